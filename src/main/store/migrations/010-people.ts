import type { Migration } from './types';

/**
 * People: a reader gets a role, may get a password (scrypt, see security/passwords.ts) and may be
 * disabled. Sessions and one-time sign-in links of a team server are kept by the SHA-256 of their secret,
 * with an expiry, and end when revoked.
 */
export const people: Migration = {
  version: 10,
  name: 'roles, passwords and sessions of readers',
  sql: `
    ALTER TABLE readers ADD COLUMN role TEXT NOT NULL DEFAULT 'grader' CHECK (role IN ('grader', 'adjudicator', 'admin'));
    ALTER TABLE readers ADD COLUMN password_hash TEXT;
    ALTER TABLE readers ADD COLUMN disabled_at TEXT;

    CREATE TABLE sessions (
      secret_digest TEXT PRIMARY KEY,           -- SHA-256 (hex) of the cookie's or link's secret
      reader_id     INTEGER NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
      kind          TEXT NOT NULL CHECK (kind IN ('session', 'link')),
      created_at    TEXT NOT NULL,
      expires_at    TEXT NOT NULL,
      ended_at      TEXT                        -- signed out, revoked, or (a link) used
    );
    CREATE INDEX sessions_by_reader ON sessions(reader_id);
  `,
};
