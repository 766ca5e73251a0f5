import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { conflict, GradedeskError, invalid, notFound } from '../../shared/errors';
import { integrityProblems } from './check';
import { DATABASE_FILE_NAME, expectedTables, schemaVersion, type Db } from './database';
import { storageFailure } from './failures';
import { migrations } from './migrations';

/** Writes a consistent copy of the database to `file` with SQLite's online backup, while others keep working. */
export async function backupDatabase(db: Db, file: string): Promise<{ file: string; bytes: number }> {
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw conflict(`${target} already exists; choose a new file name for the backup.`);
  try {
    await db.backup(target);
  } catch (error) {
    fs.rmSync(target, { force: true });
    throw storageFailure(error) ?? error;
  }
  return { file: target, bytes: fs.statSync(target).size };
}

/**
 * Replaces the data folder's database with a backup. The backup must be a sound Gradedesk database
 * (SQLite's checks, Gradedesk's invariants, a schema this version knows); the replaced database is
 * kept beside it under a new name, with its write-ahead log, so that nothing is lost by restoring.
 */
export async function restoreDatabase(dataDir: string, file: string): Promise<{ restored: string; kept: string | null; schemaVersion: number }> {
  const source = path.resolve(file);
  if (!fs.existsSync(source)) throw notFound(`There is no file ${source} to restore from.`);
  const version = checkRestorable(source);

  const target = path.join(dataDir, DATABASE_FILE_NAME);
  fs.mkdirSync(dataDir, { recursive: true });
  let kept: string | null = null;
  if (fs.existsSync(target)) {
    refuseIfInUse(target);
    kept = `${target}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    // The log and shared-memory files move under the same new name, which is where SQLite looks for them.
    for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(target + suffix)) fs.renameSync(target + suffix, kept + suffix);
  }
  const backup = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await backup.backup(target);
  } catch (error) {
    fs.rmSync(target, { force: true });
    if (kept) for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(kept + suffix)) fs.renameSync(kept + suffix, target + suffix);
    throw storageFailure(error) ?? error;
  } finally {
    backup.close();
  }
  return { restored: source, kept, schemaVersion: version };
}

/**
 * Replacing the file under a running Gradedesk would send its next grades to the replaced copy. Every
 * open connection blocks an exclusive lock, even an idle one, so taking one (and letting it go) shows
 * that none is open. A file too damaged to lock is in nobody's use either.
 */
function refuseIfInUse(file: string): void {
  let db: Db | null = null;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 200 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (error) {
    if (String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')) {
      throw conflict('Gradedesk is still using this data folder (the app, `gradedesk serve` or another command); close it, then restore.');
    }
  } finally {
    db?.close();
  }
}

/** The schema version of a file fit to restore; a specific error for anything else. */
function checkRestorable(file: string): number {
  const refuse = (why: string) => invalid(`${file} cannot be restored: ${why}. The current database was left as it was.`);
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    throw refuse('it cannot be opened as a database');
  }
  try {
    const version = schemaVersion(db);
    const newest = migrations.at(-1)!.version;
    if (version > newest) throw refuse(`it was written by a newer Gradedesk (schema ${version}; this version knows up to ${newest})`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
    if (version < 1 || !tables.has('projects')) throw refuse('it is not a Gradedesk database');
    const missing = expectedTables(version).filter((table) => !tables.has(table));
    if (missing.length) throw refuse(`it lacks the table(s) ${missing.join(', ')}`);
    const problems = integrityProblems(db);
    if (problems.length) throw refuse(`it is damaged (${problems[0]!.replace(/\.$/, '')}${problems.length > 1 ? `; ${problems.length - 1} more problem(s)` : ''})`);
    return version;
  } catch (error) {
    if (error instanceof GradedeskError) throw error;
    throw refuse(/CORRUPT|IOERR/.test(String((error as { code?: unknown }).code)) ? 'it is damaged' : 'it is not a Gradedesk database');
  } finally {
    db.close();
  }
}
