/** Who may see the admin's controls. The server refuses admin calls of anyone else whatever the window shows. */
import type { Reader } from '../../../shared/domain';
import type { Person } from '../../../shared/people';
import { call } from './api';

/**
 * Whether the reader working in this window is an admin: on a team server, the signed-in person's role
 * (session.reader is the Person the sign-in gave); in the desktop app and single-token mode, the role the
 * data directory gives the chosen reader (`gradedesk user add NAME --role admin`), a grader unless set.
 */
export async function isAdmin(reader: Reader | Person | null): Promise<boolean> {
  if (!reader) return false;
  if ('role' in reader) return reader.role === 'admin';
  try {
    const people = await call('people.list', {});
    return people.find((person) => person.id === reader.id)?.role === 'admin';
  } catch {
    return false;
  }
}
