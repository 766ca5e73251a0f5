import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Ways a Gradedesk database file gets damaged, applied on purpose to copies: by the corruption suite in
 * the tests and by `npm run bench -- corruption`, which check that every command either works or says
 * what is wrong in one sentence, and count how many of them `gradedesk check` detects. Never used on a
 * user's data.
 */
export interface Damage {
  /** e.g. "flipped bytes in page 7 (seed 3)". */
  name: string;
  kind: 'page' | 'truncation' | 'header' | 'schema' | 'rows';
  /** Damages the database file at `file` (a closed, checkpointed copy with no write-ahead log). */
  apply(file: string): void;
}

/** A small seeded generator (mulberry32): the same seed gives the same damage. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pageSizeOf = (bytes: Buffer) => {
  const raw = bytes.readUInt16BE(16);
  return raw === 1 ? 65536 : raw;
};

function editBytes(file: string, edit: (bytes: Buffer) => Buffer): void {
  fs.writeFileSync(file, edit(fs.readFileSync(file)));
}

/** Runs SQL on the copy with SQLite's own safeguards (foreign keys, CHECK constraints, the append-only trigger) out of the way. */
function editRows(file: string, sql: string): void {
  const db = new Database(file);
  try {
    db.pragma('foreign_keys = OFF');
    db.pragma('ignore_check_constraints = ON');
    db.exec(`DROP TRIGGER IF EXISTS label_events_no_update; ${sql}`);
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'label_events'").get()) {
      db.exec(`CREATE TRIGGER label_events_no_update BEFORE UPDATE ON label_events BEGIN SELECT RAISE(ABORT, 'label events are append-only'); END;`);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

function setUserVersion(file: string, version: number): void {
  editBytes(file, (bytes) => {
    bytes.writeInt32BE(version, 60);
    return bytes;
  });
}

/**
 * The damages to try on a database of `pages` pages: seeded byte flips and zeroed pages all over the
 * file, truncations, header damage, schema versions that disagree with the tables, and rows that break
 * Gradedesk's own rules (label JSON, classes, times, references). Row damage expects the suite's data: a
 * dr-grade project and a multilabel project, both with labelled images.
 */
export function damages(pages: number, seed = 1): Damage[] {
  const next = random(seed);
  const pick = (below: number) => Math.floor(next() * below);
  const list: Damage[] = [];

  for (let i = 0; i < 24; i++) {
    const page = 1 + pick(pages - 1); // page 0 holds the header, damaged separately below
    const flips = 1 + pick(16);
    const offsets = Array.from({ length: flips }, () => pick(4096));
    const masks = Array.from({ length: flips }, () => 1 + pick(255));
    list.push({
      name: `${flips} flipped byte(s) in page ${page + 1}`,
      kind: 'page',
      apply: (file) =>
        editBytes(file, (bytes) => {
          const size = pageSizeOf(bytes);
          offsets.forEach((offset, k) => (bytes[page * size + (offset % size)]! ^= masks[k]!));
          return bytes;
        }),
    });
  }
  for (let i = 0; i < 4; i++) {
    const page = 1 + pick(pages - 1);
    list.push({
      name: `page ${page + 1} overwritten with zeros`,
      kind: 'page',
      apply: (file) =>
        editBytes(file, (bytes) => {
          const size = pageSizeOf(bytes);
          bytes.fill(0, page * size, (page + 1) * size);
          return bytes;
        }),
    });
  }
  for (const fraction of [0.25, 0.5, 0.9]) {
    list.push({ name: `truncated to ${fraction * 100}% of its pages`, kind: 'truncation', apply: (file) => editBytes(file, (b) => b.subarray(0, Math.floor((b.length / pageSizeOf(b)) * fraction) * pageSizeOf(b))) });
  }
  list.push({ name: 'truncated in the middle of a page', kind: 'truncation', apply: (file) => editBytes(file, (b) => b.subarray(0, b.length - 1000)) });
  list.push({ name: 'truncated to its first 100 bytes', kind: 'truncation', apply: (file) => editBytes(file, (b) => b.subarray(0, 100)) });

  list.push({ name: 'header magic string damaged', kind: 'header', apply: (file) => editBytes(file, (b) => (b.write('SQLite format 9', 0, 'latin1'), b)) });
  list.push({ name: 'header page size invalid', kind: 'header', apply: (file) => editBytes(file, (b) => (b.writeUInt16BE(1000, 16), b)) });
  list.push({ name: 'header replaced by random bytes', kind: 'header', apply: (file) => editBytes(file, (b) => (b.fill(0x5a, 0, 100), b)) });
  list.push({ name: 'a JPEG where the database should be', kind: 'header', apply: (file) => fs.writeFileSync(file, Buffer.from('ffd8ffe000104a46494600010100000100010000ffdb', 'hex')) });

  list.push({ name: 'schema version lowered to 2', kind: 'schema', apply: (file) => setUserVersion(file, 2) });
  list.push({ name: 'schema version lowered to 0', kind: 'schema', apply: (file) => setUserVersion(file, 0) });
  list.push({ name: 'schema version raised past this Gradedesk', kind: 'schema', apply: (file) => setUserVersion(file, 999) });
  list.push({ name: 'schema version negative', kind: 'schema', apply: (file) => setUserVersion(file, -5) });
  list.push({ name: 'the label_events table dropped', kind: 'schema', apply: (file) => editRows(file, 'DROP TRIGGER label_events_no_delete; DROP TABLE label_events;') });

  list.push({ name: "a label event's value is not JSON", kind: 'rows', apply: (file) => editRows(file, "UPDATE label_events SET value = '{grade: 2' WHERE id = (SELECT min(id) FROM label_events);") });
  list.push({ name: "an image's current label is not JSON", kind: 'rows', apply: (file) => editRows(file, "UPDATE images SET label_value = '[1,' WHERE id = (SELECT min(id) FROM images WHERE label_value IS NOT NULL);") });
  list.push({
    name: 'a multilabel label names a class that does not exist',
    kind: 'rows',
    apply: (file) =>
      editRows(file, `UPDATE label_events SET value = '[1,99]' WHERE id = (SELECT max(e.id) FROM label_events e JOIN images i ON i.id = e.image_id JOIN projects p ON p.id = i.project_id WHERE p.task_kind = 'multilabel');
        UPDATE images SET label_value = '[1,99]' WHERE label_event_id = (SELECT max(e.id) FROM label_events e JOIN images i ON i.id = e.image_id JOIN projects p ON p.id = i.project_id WHERE p.task_kind = 'multilabel');`),
  });
  list.push({ name: 'a grade out of range (7)', kind: 'rows', apply: (file) => editRows(file, "UPDATE images SET label_value = '7', label_class = 7 WHERE id = (SELECT min(i.id) FROM images i JOIN projects p ON p.id = i.project_id WHERE p.task_kind = 'dr-grade' AND i.label_value IS NOT NULL);") });
  list.push({ name: "a label event's time is malformed", kind: 'rows', apply: (file) => editRows(file, "UPDATE label_events SET created_at = 'yesterday-ish' WHERE id = (SELECT max(id) FROM label_events);") });
  list.push({ name: "an image's import time is malformed", kind: 'rows', apply: (file) => editRows(file, "UPDATE images SET imported_at = '2024-13-45T99:00:00Z' WHERE id = (SELECT min(id) FROM images);") });
  list.push({ name: 'a label event points to a missing image', kind: 'rows', apply: (file) => editRows(file, 'UPDATE label_events SET image_id = 987654 WHERE id = (SELECT min(id) FROM label_events);') });
  list.push({ name: "a project's classes are not JSON", kind: 'rows', apply: (file) => editRows(file, "UPDATE projects SET classes = 'a,b,c' WHERE task_kind = 'multilabel';") });
  list.push({ name: "a project's task is unknown", kind: 'rows', apply: (file) => editRows(file, "UPDATE projects SET task_kind = 'regression' WHERE task_kind = 'dr-grade';") });
  list.push({ name: "an image's current label differs from its latest event", kind: 'rows', apply: (file) => editRows(file, "UPDATE images SET label_value = '0', label_class = 0 WHERE id = (SELECT max(id) FROM images WHERE label_value IS NOT NULL AND label_value != '0' AND label_mask IS NULL);") });
  return list;
}

/** The page count of a database file, from its header. */
export function pageCount(file: string): number {
  const header = Buffer.alloc(100);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, 100, 0);
  } finally {
    fs.closeSync(fd);
  }
  return header.readUInt32BE(28);
}

/**
 * A digest of every row of every table, or null when SQLite cannot read them all: two files with the
 * same digest hold the same data, so a damage that leaves it unchanged fell in unused space.
 */
export function contentDigest(file: string): string | null {
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const hash = createHash('sha256');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>;
    for (const { name } of tables) {
      hash.update(name);
      for (const row of db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).raw().iterate() as Iterable<unknown[]>) {
        hash.update(JSON.stringify(row.map((cell) => (Buffer.isBuffer(cell) ? cell.toString('hex') : typeof cell === 'bigint' ? String(cell) : cell))));
      }
    }
    return hash.digest('hex');
  } catch {
    return null;
  } finally {
    db?.close();
  }
}
