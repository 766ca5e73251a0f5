/**
 * People of a data directory and their roles. A person is a reader (one notion of "who graded") who may
 * also sign in to a team server: with a password, or with a one-time link an admin made.
 */
import type { Reader } from './domain';

export const ROLES = ['grader', 'adjudicator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Person extends Reader {
  role: Role;
  /** Whether the person can sign in with a password (otherwise only with a link an admin makes). */
  hasPassword: boolean;
  /** When an admin disabled the person; null while they may sign in. */
  disabledAt: string | null;
}

/** A person as the People view and `gradedesk user list` show them: with when they last signed in and their live sessions. */
export interface PersonActivity extends Person {
  lastSignedInAt: string | null;
  /** Sessions (browsers signed in) that have not expired, been signed out or revoked. */
  liveSessions: number;
}

/** Passwords are hashed with scrypt; at least this long, so that a rate-limited guesser gets nowhere. */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

/** How the browser page finds out whether it must sign in (`GET /session` of the bridge). */
export interface SignInState {
  /** Team mode: each person signs in; otherwise one person on one machine (desktop app, or the tokened link). */
  team: boolean;
  /** The signed-in person (team mode), else null. */
  person: Person | null;
}

/** A personal one-time sign-in link, as an admin hands it over: the path is opened on the server's address. */
export interface SignInLink {
  person: Person;
  /** `/session/link?token=…`: valid once, until `expiresAt`. */
  path: string;
  expiresAt: string;
}
