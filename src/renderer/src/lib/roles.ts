/** Who may see the admin's controls. The server refuses admin calls of anyone else whatever the window shows. */
import { call } from './api';
import { session } from './session.svelte';

/**
 * Whether the reader working in this window is an admin: on a team server, the signed-in person's role; in
 * the desktop app and single-token mode, the role the data directory gives the chosen reader (a grader until
 * the People view or `gradedesk user add NAME --role admin` says otherwise), which the server checks too.
 */
export async function isAdmin(): Promise<boolean> {
  if (session.person) return session.person.role === 'admin';
  const reader = session.reader;
  if (!reader) return false;
  try {
    const people = await call('people.list', {});
    return people.find((person) => person.id === reader.id)?.role === 'admin';
  } catch {
    return false;
  }
}
