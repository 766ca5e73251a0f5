import type { Person, PersonActivity, Role } from '../../shared/people';
import { conflict, invalid, notFound } from '../../shared/errors';
import type { Db } from './database';
import { retryWhenBusy, writeTransaction } from './write-transaction';

interface PersonRow {
  id: number;
  name: string;
  created_at: string;
  role: Role;
  password_hash: string | null;
  disabled_at: string | null;
  last_signed_in_at: string | null;
}

/** A person as the sign-in needs them: with their stored password hash. */
export interface PersonWithHash {
  person: Person;
  passwordHash: string | null;
}

export type SessionKind = 'session' | 'link';

const toPerson = (row: PersonRow): Person => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
  role: row.role,
  hasPassword: row.password_hash !== null,
  disabledAt: row.disabled_at,
});

/** A session or link that is still good at `now`: not ended, not expired, its person not disabled. */
const LIVE = `s.ended_at IS NULL AND s.expires_at > @now AND r.disabled_at IS NULL`;

/**
 * People are readers with a role, perhaps a password hash and a disabled time; their sessions (and
 * one-time sign-in links) are kept by the digest of their secret. Hashing happens above the store.
 */
export class PeopleStore {
  constructor(private readonly db: Db) {}

  get(id: number): Person {
    const row = this.db.prepare('SELECT * FROM readers WHERE id = ?').get(id) as PersonRow | undefined;
    if (!row) throw notFound(`There is no person with id ${id}.`);
    return toPerson(row);
  }

  /** The person with this id, or null. */
  find(id: number): Person | null {
    const row = this.db.prepare('SELECT * FROM readers WHERE id = ?').get(id) as PersonRow | undefined;
    return row ? toPerson(row) : null;
  }

  /** The person of this name (any case) with their password hash, or null. */
  named(name: string): PersonWithHash | null {
    const row = this.db.prepare('SELECT * FROM readers WHERE name = ?').get(name.trim()) as PersonRow | undefined;
    return row ? { person: toPerson(row), passwordHash: row.password_hash } : null;
  }

  /** An active person who already has a password is not added again (a conflict, in words); a disabled one may be. */
  refuseSecondPassword(name: string): void {
    const known = this.named(name);
    if (known?.passwordHash && !known.person.disabledAt) {
      throw conflict(`${known.person.name} already has a password; to start them again, disable them, then add them again.`);
    }
  }

  /**
   * Adds a person, or gives a role (and a password) to a reader who has graded without one, so that
   * their earlier grades stay theirs; a disabled person added again is enabled with the new role and
   * password. An active person who already has a password is not replaced.
   */
  add(name: string, role: Role, passwordHash: string | null): Person {
    const trimmed = name.trim();
    if (!trimmed) throw invalid('A person needs a name.');
    return writeTransaction(this.db, () => {
      this.refuseSecondPassword(trimmed);
      const known = this.db.prepare('SELECT * FROM readers WHERE name = ?').get(trimmed) as PersonRow | undefined;
      if (known) {
        this.db.prepare('UPDATE readers SET role = ?, password_hash = ?, disabled_at = NULL WHERE id = ?').run(role, passwordHash, known.id);
        return this.get(known.id);
      }
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO readers (name, created_at, role, password_hash) VALUES (?, ?, ?, ?)')
        .run(trimmed, new Date().toISOString(), role, passwordHash);
      return this.get(Number(lastInsertRowid));
    });
  }

  /**
   * Gives a person another role. The last admin who may still sign in keeps theirs, so that a team
   * server is never left with nobody to manage its people.
   */
  setRole(id: number, role: Role): Person {
    return writeTransaction(this.db, () => {
      if (role !== 'admin') this.refuseRemovingLastAdmin(id);
      this.db.prepare('UPDATE readers SET role = ? WHERE id = ?').run(role, id);
      return this.get(id);
    });
  }

  /** Refuses to take away the last active admin (by a new role or by disabling them). */
  private refuseRemovingLastAdmin(id: number): void {
    const person = this.get(id);
    if (person.role !== 'admin' || person.disabledAt) return;
    const otherAdmins = this.db.prepare("SELECT COUNT(*) AS n FROM readers WHERE role = 'admin' AND disabled_at IS NULL AND id <> ?").get(id) as { n: number };
    if (otherAdmins.n === 0) throw conflict(`${person.name} is the only admin here; make someone else an admin first.`);
  }

  /** Disables a person and ends all their sessions and links, at once. */
  disable(id: number, now: string): Person {
    return writeTransaction(this.db, () => {
      this.refuseRemovingLastAdmin(id);
      this.db.prepare('UPDATE readers SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ?').run(now, id);
      this.endSessionsOf(id, now);
      return this.get(id);
    });
  }

  /** Whether anyone may sign in with a password: what makes `serve` a team server by default. */
  anyoneWithPassword(): boolean {
    return this.db.prepare('SELECT 1 FROM readers WHERE password_hash IS NOT NULL AND disabled_at IS NULL LIMIT 1').get() !== undefined;
  }

  startSession(session: { secretDigest: string; readerId: number; kind: SessionKind; now: string; expiresAt: string }): void {
    writeTransaction(this.db, () => {
      // Expired rows are of no use to anyone; they go as new ones come.
      this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(session.now);
      this.db
        .prepare('INSERT INTO sessions (secret_digest, reader_id, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
        .run(session.secretDigest, session.readerId, session.kind, session.now, session.expiresAt);
      if (session.kind === 'session') this.db.prepare('UPDATE readers SET last_signed_in_at = ? WHERE id = ?').run(session.now, session.readerId);
    });
  }

  /** Everyone, with when they last signed in and how many of their sessions are live at `now`. */
  listWithActivity(now: string): PersonActivity[] {
    const rows = this.db
      .prepare(
        `SELECT r.*, (SELECT COUNT(*) FROM sessions s WHERE s.reader_id = r.id AND s.kind = 'session' AND ${LIVE}) AS live_sessions
         FROM readers r ORDER BY r.name`,
      )
      .all({ now }) as Array<PersonRow & { live_sessions: number }>;
    return rows.map((row) => ({ ...toPerson(row), lastSignedInAt: row.last_signed_in_at, liveSessions: row.live_sessions }));
  }

  /** The person whose live session (or link) this is, or null. */
  sessionPerson(secretDigest: string, kind: SessionKind, now: string): Person | null {
    const row = this.db
      .prepare(`SELECT r.* FROM sessions s JOIN readers r ON r.id = s.reader_id WHERE s.secret_digest = @digest AND s.kind = @kind AND ${LIVE}`)
      .get({ digest: secretDigest, kind, now }) as PersonRow | undefined;
    return row ? toPerson(row) : null;
  }

  /** Ends a live session or link and answers whose it was (null: none was live); a link thus serves once. */
  endSession(secretDigest: string, kind: SessionKind, now: string): Person | null {
    return writeTransaction(this.db, () => {
      const person = this.sessionPerson(secretDigest, kind, now);
      if (person) this.db.prepare('UPDATE sessions SET ended_at = ? WHERE secret_digest = ?').run(now, secretDigest);
      return person;
    });
  }

  /** Ends every live session and link of a person; answers how many. */
  endSessionsOf(readerId: number, now: string): number {
    return retryWhenBusy(
      () => this.db.prepare('UPDATE sessions SET ended_at = ? WHERE reader_id = ? AND ended_at IS NULL AND expires_at > ?').run(now, readerId, now).changes,
    );
  }
}
