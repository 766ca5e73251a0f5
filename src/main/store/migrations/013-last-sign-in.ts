import type { Migration } from './types';

/** When each person last signed in (with a password or a link), kept on the person: expired sessions are deleted. */
export const lastSignIn: Migration = {
  version: 13,
  name: 'when each person last signed in',
  sql: `
    ALTER TABLE readers ADD COLUMN last_signed_in_at TEXT;
  `,
};
