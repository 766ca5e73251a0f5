import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { damaged, GradedeskError } from '../../shared/errors';
import { storageFailure } from './failures';
import { migrations } from './migrations';
import { registerNaturalKey } from './natural-order';
import type { Migration } from './migrations/types';
import { writeTransaction } from './write-transaction';

export type Db = Database.Database;

export const DATABASE_FILE_NAME = 'gradedesk.sqlite';

const RECOVERY = 'Bring back a backup with `gradedesk restore FILE`';

/**
 * Opens (creating if needed) the database in a data directory and brings its schema up to date.
 * Every way the file can be unusable (not a database, truncated, damaged, from a newer Gradedesk,
 * schema version at odds with its tables, read-only, full disk) ends in one sentence saying which.
 */
export function openDatabase(file: string, available: readonly Migration[] = migrations): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Db | null = null;
  try {
    refuseTruncated(file);
    db = new Database(file);
    // First, so that opening beside another process waits for its lock instead of failing.
    db.pragma('busy_timeout = 5000');
    registerNaturalKey(db);
    refuseNewerSchema(db, available);
    db.pragma('journal_mode = WAL');
    // NORMAL under WAL survives an application crash without losing committed grades; only an OS crash
    // or power loss can roll back the last transactions.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    refuseInconsistentSchema(db, available);
    migrate(db, file, available);
    return db;
  } catch (error) {
    db?.close();
    throw storageFailure(error, file) ?? error;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** The tables a schema version has, read from the migrations' CREATE TABLE and DROP TABLE statements. */
export function expectedTables(version: number, available: readonly Migration[] = migrations): string[] {
  const tables = new Set<string>();
  for (const migration of available.filter((m) => m.version <= version)) {
    for (const [, verb, name] of migration.sql.matchAll(/\b(CREATE|DROP)\s+TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?["`]?(\w+)/gi)) {
      if (verb!.toUpperCase() === 'CREATE') tables.add(name!);
      else tables.delete(name!);
    }
  }
  return [...tables];
}

/**
 * SQLite reads a file shorter than its header says as if the missing pages were empty, so a
 * truncated copy would open and silently lack rows. The header's page count is trusted only when
 * SQLite marked it valid (bytes 92–95 equal the change counter) and no write-ahead log is pending.
 */
function refuseTruncated(file: string): void {
  let header: Buffer;
  let size: number;
  try {
    size = fs.statSync(file).size;
    if (size === 0) return;
    const wal = `${file}-wal`;
    if (fs.existsSync(wal) && fs.statSync(wal).size > 0) return;
    header = Buffer.alloc(100);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, header, 0, 100, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return; // Missing (a new data folder) or unreadable: SQLite's own open says which.
  }
  if (header.toString('latin1', 0, 16) !== 'SQLite format 3\u0000') return;
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return; // A damaged header: SQLite's open says so.
  const pages = header.readUInt32BE(28);
  const valid = header.readUInt32BE(92) === header.readUInt32BE(24);
  if (valid && pages > 0 && size < pages * pageSize) {
    throw damaged(`The database (${file}) was truncated: it holds ${size} of its ${pages * pageSize} bytes. ${RECOVERY}.`);
  }
  if (size < 512 || size % pageSize !== 0) {
    throw damaged(`The database (${file}) was truncated: its size (${size} bytes) is not a whole number of ${pageSize}-byte pages. ${RECOVERY}.`);
  }
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
  if (current < 0) throw damaged(`The database's schema version (${current}) is not one Gradedesk ever wrote: its header was edited or damaged. ${RECOVERY}.`);
}

/** A schema version that disagrees with the tables would make the next migration fail half-way, or queries fail later. */
function refuseInconsistentSchema(db: Db, available: readonly Migration[]): void {
  const current = schemaVersion(db);
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name));
  const expected = expectedTables(current, available);
  const missing = expected.filter((table) => !tables.has(table));
  if (missing.length) {
    throw damaged(`The database says it has schema version ${current} but lacks its table${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: it was damaged or edited. ${RECOVERY}.`);
  }
  // A later migration that only rebuilds a table of this version (DROP, then CREATE) is no evidence.
  const ahead = available.filter((m) => m.version > current && expectedTables(m.version, [m]).some((table) => tables.has(table) && !expected.includes(table)));
  if (ahead.length) {
    throw damaged(
      `The database's schema version (${current}) is lower than its tables (those of version ${ahead.at(-1)!.version} exist): its version was lowered or damaged. ${RECOVERY}.`,
    );
  }
}

/** The file a migration's automatic backup is written to, beside the database. */
export const migrationBackupFile = (file: string, fromVersion: number) => `${file}.before-schema-${fromVersion + 1}.bak`;

function migrate(db: Db, file: string, available: readonly Migration[]): void {
  const pending = available.filter((m) => m.version > schemaVersion(db));
  if (pending.length === 0) return;
  const current = schemaVersion(db);
  if (current > 0) {
    // A copy of the data as it was, in case the new schema turns out wrong. VACUUM INTO rather than
    // better-sqlite3's backup(): opening is synchronous, and VACUUM INTO is SQLite's synchronous
    // online copy (a consistent snapshot, written while readers keep reading).
    const backup = migrationBackupFile(file, current);
    fs.rmSync(backup, { force: true });
    db.prepare('VACUUM INTO ?').run(backup);
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of pending) {
    writeTransaction(db, () => {
      // Another process opening the same folder may have applied it while this one waited for the lock.
      if (schemaVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      db.pragma(`user_version = ${migration.version}`);
    });
  }
}
