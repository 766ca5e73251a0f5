import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { GradedeskError } from '../../shared/errors';
import { migrations } from './migrations';
import { registerNaturalKey } from './natural-order';
import type { Migration } from './migrations/types';

export type Db = Database.Database;

export const DATABASE_FILE_NAME = 'gradedesk.sqlite';

/** Opens (creating if needed) the database in a data directory and brings its schema up to date. */
export function openDatabase(file: string, available: readonly Migration[] = migrations): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    registerNaturalKey(db);
    refuseNewerSchema(db, available);
    db.pragma('journal_mode = WAL');
    // NORMAL under WAL survives an application crash without losing committed grades; only an OS crash
    // or power loss can roll back the last transactions.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, available);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewerSchema(db: Db, available: readonly Migration[]): void {
  const current = schemaVersion(db);
  const newest = available.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new GradedeskError(
      'unsupported',
      `This data directory was written by a newer Gradedesk (schema ${current}; this version knows up to ${newest}). Update Gradedesk to open it.`,
    );
  }
}

function migrate(db: Db, available: readonly Migration[]): void {
  const current = schemaVersion(db);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of available) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}

/** SQLite's own consistency check; returns the problems it found (empty when the file is sound). */
export function integrityProblems(db: Db): string[] {
  const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  const problems = rows.map((row) => row.integrity_check).filter((line) => line !== 'ok');
  const foreignKeyRows = db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>;
  for (const row of foreignKeyRows) problems.push(`${row.table} row ${row.rowid} points to a missing ${row.parent} row`);
  return problems;
}
