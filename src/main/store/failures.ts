import { damaged, GradedeskError } from '../../shared/errors';

const RECOVERY = 'Run `gradedesk check` to see what is affected, or bring back a backup with `gradedesk restore FILE`.';

export const DISK_FULL = 'The disk holding the data folder is full, so this change could not be saved; free some space and try again (everything saved before is kept).';
export const READ_ONLY = 'The data folder is read-only, so Gradedesk cannot save anything in it; make it writable or choose another with --data (everything saved before is kept).';

/** Errors of node:fs and of SQLite (better-sqlite3's SqliteError) carry their kind as `code`. */
const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
};

/**
 * The one sentence a user should read for a failure of the disk or of the database file, or null when
 * the error is something else. Covers a full disk, a read-only data folder (or database opened
 * read-only), a damaged database and a database another process keeps busy.
 */
export function storageFailure(error: unknown, databaseFile?: string): GradedeskError | null {
  if (error instanceof GradedeskError) return null;
  const code = codeOf(error);
  const where = databaseFile ? ` (${databaseFile})` : '';
  const file = (error as { path?: unknown }).path;
  const named = typeof file === 'string' ? file : null;
  if (code === 'SQLITE_FULL') return new GradedeskError('disk-full', DISK_FULL);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new GradedeskError('disk-full', `The disk is full${named ? ` (writing ${named})` : ''}, so this could not be saved; free some space and try again (everything saved before is kept).`);
  }
  if (code.startsWith('SQLITE_READONLY')) return new GradedeskError('read-only', READ_ONLY);
  if (code === 'EROFS') return new GradedeskError('read-only', `${named ?? 'The folder'} is on a read-only disk, so this could not be saved (everything saved before is kept).`);
  if (code === 'EACCES' || code === 'EPERM') {
    const syscall = (error as { syscall?: unknown }).syscall;
    if (typeof syscall === 'string' && ['scandir', 'opendir', 'read', 'stat', 'lstat', 'access'].includes(syscall)) {
      return new GradedeskError('invalid', `Gradedesk is not allowed to read ${named ?? 'this file'} (permission denied).`);
    }
    return new GradedeskError('read-only', `Gradedesk is not allowed to write ${named ?? 'to the data folder'} (permission denied); make it writable or choose another data folder with --data.`);
  }
  if (code === 'SQLITE_NOTADB') return damaged(`The database${where} is not a Gradedesk database: its header is damaged or it is another kind of file. ${RECOVERY}`);
  if (code.startsWith('SQLITE_CORRUPT')) return damaged(`The database${where} is damaged: SQLite found a corrupt page. ${RECOVERY}`);
  if (code === 'SQLITE_IOERR_SHORT_READ') return damaged(`The database${where} is shorter than it should be: the file was truncated. ${RECOVERY}`);
  if (code.startsWith('SQLITE_IOERR')) return new GradedeskError('read-only', `The disk could not read or write the database${where} (${code}); check the disk, then try again.`);
  if (code.startsWith('SQLITE_CANTOPEN')) return new GradedeskError('read-only', `The database${where} cannot be opened: the data folder is missing or not readable.`);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new GradedeskError('conflict', 'Another Gradedesk kept the database busy for too long, so this change was not saved; try again in a moment.');
  }
  return null;
}

/** Reads a JSON column; text that is not JSON means the row was damaged outside Gradedesk. */
export function storedJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw damaged(`The database is damaged: where ${what} should be, it holds text that is not JSON. ${RECOVERY}`);
  }
}
