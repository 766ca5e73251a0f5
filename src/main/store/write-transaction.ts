import type Database from 'better-sqlite3';

/** How often a write that found the database busy is tried again, after the busy timeout has already waited. */
const BUSY_ATTEMPTS = 4;
const BUSY_BACKOFF_MS = 50;

const pause = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(pause, 0, 0, ms);

/** SQLite's "busy" results: another connection holds the write lock, or this one's snapshot went stale. */
export const isBusy = (error: unknown): boolean =>
  typeof (error as { code?: unknown })?.code === 'string' && /^SQLITE_BUSY/.test((error as { code: string }).code);

/**
 * Runs `work` as one write transaction that takes SQLite's write lock before reading anything
 * (`BEGIN IMMEDIATE`). A deferred transaction reads first and upgrades later; when another process
 * (the CLI beside the server, a training worker) commits in between, SQLite answers
 * SQLITE_BUSY_SNAPSHOT, which no busy timeout can wait out. Taking the lock first lets the busy
 * timeout do its job; a transaction still refused after it is retried a few times, which is safe
 * because nothing was written. Nested calls become savepoints of the outer transaction.
 */
export function writeTransaction<T>(db: Database.Database, work: () => T): T {
  if (db.inTransaction) return db.transaction(work)();
  return retryWhenBusy(() => db.transaction(work).immediate());
}

/** Runs one write (a transaction or a single statement) again when SQLite reports the database busy. */
export function retryWhenBusy<T>(write: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return write();
    } catch (error) {
      if (!isBusy(error) || attempt >= BUSY_ATTEMPTS) throw error;
      sleep(BUSY_BACKOFF_MS * 2 ** attempt);
    }
  }
}
