import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store';
import { DATABASE_FILE_NAME } from '../../src/main/store/database';
import { writeTransaction } from '../../src/main/store/write-transaction';

const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');

/** Another process that takes the database's write lock, says so, and keeps it for `ms`. */
async function holdWriteLock(file: string, ms: number): Promise<{ released: Promise<void> }> {
  const script = `const D = require(${JSON.stringify(betterSqlite)}); const db = new D(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const released = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return { released };
}

describe('writeTransaction', () => {
  let root: string;
  let file: string;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-write-'));
    Store.open(root).close();
    file = path.join(root, DATABASE_FILE_NAME);
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('tries again when another process keeps the write lock past the busy timeout, where a plain transaction fails', async () => {
    const db = new Database(file);
    try {
      db.pragma('busy_timeout = 1');
      const addReader = (name: string) => () => db.prepare("INSERT INTO readers (name, created_at) VALUES (?, '2026-01-01T00:00:00.000Z')").run(name);

      const { released } = await holdWriteLock(file, 300);
      expect(() => db.transaction(addReader('Dr Plain')).immediate()).toThrow(/database is locked/);
      writeTransaction(db, addReader('Dr Patient'));
      await released;

      expect(db.prepare('SELECT name FROM readers').pluck().all()).toEqual(['Dr Patient']);
    } finally {
      db.close();
    }
  });

  it('gives up after a bounded number of tries, with SQLite\'s busy error', async () => {
    const db = new Database(file);
    try {
      db.pragma('busy_timeout = 1');
      const { released } = await holdWriteLock(file, 3000);
      const started = performance.now();
      expect(() => writeTransaction(db, () => db.prepare("DELETE FROM readers WHERE name = 'nobody'").run())).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
      expect(performance.now() - started).toBeLessThan(2500);
      await released;
    } finally {
      db.close();
    }
  });
});
