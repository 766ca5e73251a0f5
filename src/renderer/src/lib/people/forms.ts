/** The People view's pure parts: what a new password lacks, how a sign-in link is handed over, the words of a row. */
import { MIN_PASSWORD_LENGTH, type Person } from '../../../../shared/people';

/**
 * What is wrong with a new password and its confirmation, in a sentence, or null. Both empty is no
 * problem: that person signs in only with a link an admin makes. The server checks the length again.
 */
export function passwordProblem(password: string, confirmation: string): string | null {
  if (!password && !confirmation) return null;
  if (password.length < MIN_PASSWORD_LENGTH) return `A password has at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password !== confirmation) return 'The two passwords differ; type the same password twice.';
  return null;
}

/**
 * The sign-in link to hand over. On a team server the page's own address is the server's; elsewhere
 * (desktop app, single-token mode) the link works only on the address a team server (`serve --team`) prints.
 */
export function linkAddress(path: string, team: boolean, origin: string): string {
  return team ? new URL(path, origin).href : path;
}

/** How a person signs in, as the table says it. */
export const signInWords = (person: Person): string => (person.hasPassword ? 'password or link' : 'link only');

/** What an admin may do to a person from their row of the table. */
export type PersonAction = 'role' | 'password' | 'link' | 'sign-out' | 'disable' | 'enable';
