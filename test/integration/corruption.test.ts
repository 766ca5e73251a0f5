import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryDamages, writeSoundDatabase, type DamageOutcome } from '../../src/main/bench/corruption';
import { runCli } from '../../src/main/cli/program';
import { Store } from '../../src/main/store';
import { damages, pageCount } from '../../src/main/store/damage';
import { DATABASE_FILE_NAME, migrationBackupFile, openDatabase } from '../../src/main/store/database';
import { migrations } from '../../src/main/store/migrations';

async function cli(dataDir: string, ...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--data', dataDir, ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), interactive: false });
  return { code, stdout, stderr };
}

/** Copies the suite's sound database into a new data folder and damages it in the named way. */
async function damagedFolder(root: string, sound: string, name: string): Promise<string> {
  const damage = damages(pageCount(path.join(sound, DATABASE_FILE_NAME))).find((d) => d.name === name)!;
  const dataDir = await fs.mkdtemp(path.join(root, 'damaged-'));
  await fs.copyFile(path.join(sound, DATABASE_FILE_NAME), path.join(dataDir, DATABASE_FILE_NAME));
  damage.apply(path.join(dataDir, DATABASE_FILE_NAME));
  return dataDir;
}

describe('damaged databases', () => {
  let root: string;
  let sound: string;
  let outcomes: DamageOutcome[];

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-corruption-'));
    sound = path.join(root, 'sound');
    writeSoundDatabase(sound);
    outcomes = await tryDamages(path.join(root, 'suite'), 1);
  }, 300_000);
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('calls the undamaged database sound', async () => {
    expect(await cli(sound, 'check')).toMatchObject({ code: 0, stderr: '' });
  });

  it('never answers a command on a damaged copy with an internal error or a stack trace: it works, or says what is wrong', () => {
    expect(outcomes.length).toBeGreaterThanOrEqual(45);
    expect(outcomes.flatMap((o) => o.unexplained.map((line) => `${o.damage}: ${line}`))).toEqual([]);
  });

  it('`check` detects every damage that changed what the database holds, and every truncation, header, schema and row damage', () => {
    expect(outcomes.filter((o) => !o.detected && (!o.harmless || o.kind !== 'page')).map((o) => o.damage)).toEqual([]);
    // Seeded byte flips land in rows as well as in unused space: some of each.
    expect(outcomes.filter((o) => o.kind === 'page' && o.detected).length).toBeGreaterThan(5);
  });

  it('says which kind of damage it is, in one sentence, when the database cannot be opened', async () => {
    const says = async (name: string) => (await cli(await damagedFolder(root, sound, name), 'project', 'list')).stderr;
    expect(await says('truncated to 50% of its pages')).toMatch(/^gradedesk: The database \(.*\) was truncated: it holds \d+ of its \d+ bytes\. Bring back a backup/);
    expect(await says('a JPEG where the database should be')).toMatch(/^gradedesk: The database \(.*\) is not a Gradedesk database: its header is damaged or it is another kind of file\./);
    const latest = migrations.at(-1)!.version;
    const newestWithTables = Math.max(...migrations.filter((m) => /CREATE\s+TABLE/i.test(m.sql)).map((m) => m.version));
    expect(await says('schema version lowered to 2')).toMatch(new RegExp(`^gradedesk: The database's schema version \\(2\\) is lower than its tables \\(those of version ${newestWithTables} exist\\)`));
    expect(await says('schema version raised past this Gradedesk')).toMatch(/^gradedesk: This data directory was written by a newer Gradedesk \(schema 999/);
    expect(await says('the label_events table dropped')).toMatch(new RegExp(`^gradedesk: The database says it has schema version ${latest} but lacks its table label_events`));
  });

  it('lists the rows that break Gradedesk\'s rules, which SQLite\'s own check calls sound', async () => {
    const problems = async (name: string) => JSON.parse((await cli(await damagedFolder(root, sound, name), 'check', '--json')).stdout).problems as string[];
    expect(await problems("a label event's value is not JSON")).toContainEqual(expect.stringMatching(/^Label event \d+'s value is not valid JSON/));
    expect(await problems('a multilabel label names a class that does not exist')).toContainEqual(
      expect.stringMatching(/current label does not fit its project: Label 99 is not one of this project's 28 labels/),
    );
    expect(await problems("a label event's time is malformed")).toContainEqual(expect.stringMatching(/^label_events row \d+ has a created_at that is not a time: "yesterday-ish"/));
    expect(await problems('a label event points to a missing image')).toContainEqual(expect.stringMatching(/^label_events row \d+ points to a missing images row/));
  });

  const bin = fileURLToPath(new URL('../../bin/gradedesk.cjs', import.meta.url));
  it.skipIf(!existsSync(fileURLToPath(new URL('../../out/main/cli.js', import.meta.url))))('`serve` on a damaged database exits 1 saying why', async () => {
    const dataDir = await damagedFolder(root, sound, 'header magic string damaged');
    const child = spawn(process.execPath, [bin, '--data', dataDir, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^gradedesk: The database \(.*\) is not a Gradedesk database: its header is damaged or it is another kind of file\. .*\n$/);
  });
});

describe('backup and restore', () => {
  let root: string;
  let dataDir: string;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-backup-'));
    dataDir = path.join(root, 'data');
    writeSoundDatabase(dataDir);
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('backs up the database while it is open, refuses to overwrite a file, and restores the backup over a damaged database, keeping the damaged one', async () => {
    const backup = path.join(root, 'monday.sqlite');
    expect(await cli(dataDir, 'backup', backup)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Backed up the database to .*monday\.sqlite \(\d+ bytes\)\.\n$/) });
    expect(await cli(dataDir, 'backup', backup)).toMatchObject({ code: 1, stderr: `gradedesk: ${backup} already exists; choose a new file name for the backup.\n` });
    // A grade after the backup: restoring goes back to Monday, and the replaced database still has it.
    expect((await cli(dataDir, 'grade', '10001_left.jpeg', '4', '--project', 'Retina', '--reader', 'Dr After')).code).toBe(0);

    const database = path.join(dataDir, DATABASE_FILE_NAME);
    await fs.writeFile(database, Buffer.from('this is not a database at all, but it is long enough to look like one......'));
    await fs.rm(`${database}-wal`, { force: true });
    expect((await cli(dataDir, 'project', 'list')).code).toBe(1);

    const restored = await cli(dataDir, 'restore', backup, '--json');
    expect(restored.code).toBe(0);
    const { kept } = JSON.parse(restored.stdout) as { kept: string };
    expect(await fs.readFile(kept, 'utf8')).toMatch(/^this is not a database/);
    expect(await cli(dataDir, 'check')).toMatchObject({ code: 0 });
    const history = JSON.parse((await cli(dataDir, 'history', '10001_left.jpeg', '--project', 'Retina', '--json')).stdout) as { events: Array<{ readerName: string | null }> };
    expect(history.events.map((e) => e.readerName)).not.toContain('Dr After');
  });

  it('refuses to restore a file that is not a sound Gradedesk database, and leaves the current one as it was', async () => {
    const before = await fs.readFile(path.join(dataDir, DATABASE_FILE_NAME));
    const notDatabase = path.join(root, 'notes.txt');
    await fs.writeFile(notDatabase, 'shopping list');
    expect(await cli(dataDir, 'restore', notDatabase)).toMatchObject({
      code: 1,
      stderr: `gradedesk: ${notDatabase} cannot be restored: it is not a Gradedesk database. The current database was left as it was.\n`,
    });
    const otherApp = path.join(root, 'other.sqlite');
    new Database(otherApp).exec('CREATE TABLE notes (text TEXT)').close();
    expect((await cli(dataDir, 'restore', otherApp)).stderr).toBe(`gradedesk: ${otherApp} cannot be restored: it is not a Gradedesk database. The current database was left as it was.\n`);
    const broken = path.join(root, 'broken.sqlite');
    expect((await cli(dataDir, 'backup', broken)).code).toBe(0);
    damages(pageCount(broken)).find((d) => d.name === "a label event's value is not JSON")!.apply(broken);
    expect((await cli(dataDir, 'restore', broken)).stderr).toMatch(
      /^gradedesk: .*broken\.sqlite cannot be restored: it is damaged \(Image \d+'s current label differs from its latest label event \(\d+\); 1 more problem\(s\)\)\. The current database was left as it was\.\n$/,
    );
    expect(await fs.readFile(path.join(dataDir, DATABASE_FILE_NAME))).toEqual(before);
  });

  it('refuses to restore while Gradedesk has the database open', async () => {
    const backup = path.join(root, 'tuesday.sqlite');
    expect((await cli(dataDir, 'backup', backup)).code).toBe(0);
    const running = Store.open(dataDir);
    try {
      expect(await cli(dataDir, 'restore', backup)).toMatchObject({
        code: 1,
        stderr: 'gradedesk: Gradedesk is still using this data folder (the app, `gradedesk serve` or another command); close it, then restore.\n',
      });
    } finally {
      running.close();
    }
    expect((await cli(dataDir, 'restore', backup)).code).toBe(0);
  });

  it('copies the database before each migration', async () => {
    const file = path.join(root, 'old', DATABASE_FILE_NAME);
    const old = openDatabase(file, migrations.slice(0, 2));
    old.prepare("INSERT INTO readers (name, created_at) VALUES ('Dr Old', '2024-01-01T00:00:00.000Z')").run();
    old.close();
    Store.open(path.dirname(file)).close();
    const copy = new Database(migrationBackupFile(file, 2), { readonly: true });
    try {
      expect(copy.pragma('user_version', { simple: true })).toBe(2);
      expect(copy.prepare('SELECT name FROM readers').pluck().all()).toEqual(['Dr Old']);
    } finally {
      copy.close();
    }
  });
});
