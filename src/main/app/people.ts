import { notFound } from '../../shared/errors';
import type { Person, PersonActivity, SignInLink } from '../../shared/people';
import { hashPassword, verifyNobody, verifyPassword } from '../security/passwords';
import { newSecret, secretDigest } from '../security/tokens';
import type { Validated } from './operation';
import type { Workspace } from './workspace';

/** A session lasts a working day; a sign-in link a day unless the admin says otherwise. */
export const SESSION_HOURS = 12;
const DEFAULT_LINK_HOURS = 24;

/** A started session: the secret goes into the cookie once and is never stored. */
export interface StartedSession {
  person: Person;
  secret: string;
  expiresAt: string;
}

const hoursFrom = (now: Date, hours: number) => new Date(now.getTime() + hours * 3600_000).toISOString();

/**
 * People, roles and sign-in. The api's `people.*` methods (admin only on a team server) and the CLI's
 * `user` commands manage people; the bridge signs them in and out with the session operations below.
 */
export function peopleOperations({ store }: Workspace) {
  const personNamed = (name: string): Person => {
    const found = store.people.named(name);
    if (!found) throw notFound(`There is no person named "${name}".`);
    return found.person;
  };

  const startSession = (person: Person, now = new Date()): StartedSession => {
    const secret = newSecret();
    const expiresAt = hoursFrom(now, SESSION_HOURS);
    store.people.startSession({ secretDigest: secretDigest(secret), readerId: person.id, kind: 'session', now: now.toISOString(), expiresAt });
    return { person, secret, expiresAt };
  };

  return {
    list: (_request: Validated<'people.list'>): PersonActivity[] => store.people.listWithActivity(new Date().toISOString()),

    /** A new person, or a role and password for a reader who graded without one. */
    async add({ name, role, password }: Validated<'people.add'>): Promise<Person> {
      // Said before the slow hash; the store checks again under its write lock.
      store.people.refuseSecondPassword(name);
      const passwordHash = password === undefined ? null : await hashPassword(password);
      return store.people.add(name, role, passwordHash);
    },

    /** Gives a person another role; it holds from their next request, sessions included. */
    setRole({ name, role }: Validated<'people.setRole'>): Person {
      return store.people.setRole(personNamed(name).id, role);
    },

    /** Disables a person: they can no longer sign in, and their sessions and links end now. */
    disable({ name }: Validated<'people.disable'>): Person {
      return store.people.disable(personNamed(name).id, new Date().toISOString());
    },

    /** Signs a person out everywhere (a lost laptop); they may sign in again. */
    revokeSessions({ name }: Validated<'people.revokeSessions'>): { person: Person; ended: number } {
      const person = personNamed(name);
      return { person, ended: store.people.endSessionsOf(person.id, new Date().toISOString()) };
    },

    /** A personal one-time sign-in link for a person (with or without a password). */
    createLink({ name, hours = DEFAULT_LINK_HOURS }: Validated<'people.createLink'>): SignInLink {
      const person = personNamed(name);
      if (person.disabledAt) throw notFound(`${person.name} is disabled; add them again to give them a link.`);
      const secret = newSecret();
      const now = new Date();
      const expiresAt = hoursFrom(now, hours);
      store.people.startSession({ secretDigest: secretDigest(secret), readerId: person.id, kind: 'link', now: now.toISOString(), expiresAt });
      return { person, path: `/session/link?token=${secret}`, expiresAt };
    },

    /** Whether `serve` runs as a team server unless told: someone may sign in with a password. */
    teamByDefault: (): boolean => store.people.anyoneWithPassword(),

    /**
     * A new session for the name and password, or null for a wrong name, a wrong password or a disabled
     * person alike (one answer, in the same time, so that nobody learns which names exist).
     */
    async signIn(name: string, password: string): Promise<StartedSession | null> {
      const found = store.people.named(name);
      if (!found?.passwordHash) return verifyNobody(password).then(() => null);
      const matches = await verifyPassword(password, found.passwordHash);
      if (!matches || found.person.disabledAt) return null;
      return startSession(store.people.get(found.person.id));
    },

    /** Uses a one-time link (it then stops working) and starts a session for its person; null if it is not live. */
    redeemLink(secret: string): StartedSession | null {
      const person = store.people.endSession(secretDigest(secret), 'link', new Date().toISOString());
      return person ? startSession(person) : null;
    },

    /** The person of a live session, or null (expired, signed out, revoked, disabled). */
    sessionPerson: (secret: string): Person | null => store.people.sessionPerson(secretDigest(secret), 'session', new Date().toISOString()),

    signOut(secret: string): void {
      store.people.endSession(secretDigest(secret), 'session', new Date().toISOString());
    },
  };
}

export type PeopleOperations = ReturnType<typeof peopleOperations>;
