import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store';
import { integrityProblems } from '../../src/main/store/check';
import { DATABASE_FILE_NAME, expectedTables, openDatabase, schemaVersion } from '../../src/main/store/database';
import { migrations } from '../../src/main/store/migrations';
import type { Migration } from '../../src/main/store/migrations/types';
import { taskSpecFor } from '../../src/shared/domain';

const LATEST = migrations.at(-1)!.version;
import { GradedeskError } from '../../src/shared/errors';
import { newImage } from '../fixtures/store-rows';

// The real store on a real SQLite file in a temp directory: no mocks.

let root: string;
let dataDir: string;
let file: string;
/** Every handle a test opens, closed after it (a handle that is still open is fine to close twice). */
const open: Array<{ close(): unknown; open?: boolean }> = [];

function openStore(dir = dataDir): Store {
  const store = Store.open(dir);
  open.push(store.db);
  return store;
}


const count = (store: Store, table: string) =>
  (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

/** Images whose row carries a current label (the label now lives on the image row). */
const labelledRows = (store: Store) =>
  (store.db.prepare('SELECT COUNT(*) AS n FROM images WHERE label_value IS NOT NULL').get() as { n: number }).n;

/** Runs `fn`, expects it to throw, and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

const NEWER = LATEST + 4;
const NEWER_SCHEMA = `This data directory was written by a newer Gradedesk (schema ${NEWER}; this version knows up to ${LATEST}). Update Gradedesk to open it.`;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-store-db-'));
  // A directory that does not exist yet: opening the store creates it.
  dataDir = path.join(root, 'nested', 'data');
  file = path.join(dataDir, DATABASE_FILE_NAME);
});

afterEach(() => {
  for (const handle of open.splice(0)) {
    if (handle.open !== false) handle.close();
  }
  fs.rmSync(root, { recursive: true, force: true });
});

describe('migrations from an empty data directory', () => {
  it('creates the data directory and the database file', () => {
    expect(fs.existsSync(dataDir)).toBe(false);
    openStore();
    expect(DATABASE_FILE_NAME).toBe('gradedesk.sqlite');
    expect(fs.existsSync(file)).toBe(true);
  });

  it('brings the schema to the last migration and records every migration applied', () => {
    const store = openStore();
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(store.schemaVersion).toBe(migrations.at(-1)!.version);
    expect(schemaVersion(store.db)).toBe(migrations.at(-1)!.version);

    const rows = store.db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<{
      version: number;
      name: string;
      applied_at: string;
    }>;
    expect(rows.map(({ version, name }) => ({ version, name }))).toEqual([
      { version: 1, name: 'projects, readers, images with their current labels, label events' },
      { version: 2, name: 'models with their epochs and training snapshot, predictions, user backbones, cached backbone features' },
      { version: 3, name: 'ArcFace embeddings per model and image' },
      ...migrations.slice(3).map(({ version, name }) => ({ version, name })),
    ]);
    expect(new Date(rows[0]!.applied_at).toISOString()).toBe(rows[0]!.applied_at);
  });

  it('creates every table, index and append-only trigger', () => {
    const store = openStore();
    const objects = (type: string) =>
      (
        store.db
          .prepare(`SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`)
          .all(type) as Array<{ name: string }>
      ).map((row) => row.name);
    expect(objects('table')).toEqual([
      'backbones', 'embeddings', 'features', 'grading_protocols', 'images', 'label_events', 'model_epochs', 'model_fine_tune_folds', 'model_training_images', 'models', 'predictions', 'projects', 'readers', 'schema_migrations', 'sessions',
    ]);
    expect(objects('index')).toEqual([
      'embeddings_by_image',
      'images_by_group',
      'images_by_label',
      'images_by_name',
      'images_by_project',
      'images_by_sha',
      'images_by_stem',
      'images_duplicates',
      'images_import_errors',
      'images_ungradable',
      'images_unlabelled',
      'label_events_blind',
      'label_events_by_image',
      'label_events_by_image_kind',
      'models_by_project',
      'one_active_model',
      'predictions_by_image',
      'sessions_by_reader',
    ]);
    expect(objects('trigger')).toEqual(['label_events_no_delete', 'label_events_no_update']);
    // A fresh store is empty.
    for (const table of ['projects', 'readers', 'images', 'label_events']) expect(count(store, table)).toBe(0);
  });

  it('keeps the current label on the image row, in label_* columns that start out NULL', () => {
    const store = openStore();
    const columns = (store.db.prepare(`SELECT name, type FROM pragma_table_info('images') WHERE name LIKE 'label_%' ORDER BY cid`).all() as Array<{
      name: string;
      type: string;
    }>);
    expect(columns).toEqual([
      { name: 'label_value', type: 'TEXT' },
      { name: 'label_class', type: 'INTEGER' },
      { name: 'label_mask', type: 'INTEGER' },
      { name: 'label_event_id', type: 'INTEGER' },
      { name: 'label_updated_at', type: 'TEXT' },
    ]);
    const indexColumns = (index: string) =>
      (store.db.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(index) as Array<{ name: string }>).map((row) => row.name);
    expect(indexColumns('images_by_project')).toEqual(['project_id']);
    expect(indexColumns('images_by_label')).toEqual(['project_id', 'label_class', 'name_key', 'id']);

    const project = store.projects.create('Screening', taskSpecFor('dr-grade'));
    const imageId = store.images.insert(newImage(project.id, 'a.jpg'));
    expect(
      store.db.prepare('SELECT label_value, label_class, label_mask, label_event_id, label_updated_at FROM images WHERE id = ?').get(imageId),
    ).toEqual({ label_value: null, label_class: null, label_mask: null, label_event_id: null, label_updated_at: null });
  });

  it('uses WAL journaling, enforces foreign keys, syncs NORMAL and waits on a busy file', () => {
    const store = openStore();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
  });

  it('refuses a row that points to a missing parent (foreign keys are on)', () => {
    const store = openStore();
    expect(() => store.images.insert(newImage(999, 'orphan.jpg'))).toThrow(/FOREIGN KEY constraint failed/);
    expect(count(store, 'images')).toBe(0);
  });
});

describe('migrating a data directory that holds images', () => {
  it('gives images imported before natural name order their sort keys, and generated model names readable ones', () => {
    const before = openDatabase(file, migrations.slice(0, 3));
    open.push(before);
    const projectId = Number(
      before.prepare(`INSERT INTO projects (name, task_kind, classes, created_at) VALUES ('Old', 'dr-grade', ?, ?)`).run(JSON.stringify(taskSpecFor('dr-grade').classes), new Date().toISOString())
        .lastInsertRowid,
    );
    for (const name of ['15301_left.jpeg', '1530_left.jpeg']) {
      const image = newImage(projectId, name);
      before
        .prepare(
          `INSERT INTO images (project_id, path, file_name, stem, sha256, phash, detail_hash, width, height, bytes, format, group_id, eye, status, imported_at)
           VALUES (@projectId, @path, @fileName, @stem, @sha256, @phash, @detailHash, @width, @height, @bytes, @format, @groupId, @eye, @status, '2026-01-01T00:00:00.000Z')`,
        )
        .run(image);
    }
    const insertModel = before.prepare(
      `INSERT INTO models (project_id, name, status, backbone_id, input_size, head, strategy, preprocessing, task_kind, classes, options, dir, created_at)
       VALUES (?, ?, 'ready', 'mobilenet-v2-nsfwjs', ?, 'ordinal', ?, 'fundus-ben-graham-v1', 'dr-grade', '[]', '{}', '', '2026-01-01T00:00:00.000Z')`,
    );
    const generated = Number(insertModel.run(projectId, 'ordinal on mobilenet-v2-nsfwjs @224', 224, 'head').lastInsertRowid);
    const fineTuned = Number(insertModel.run(projectId, 'softmax on mobilenet-v2-nsfwjs @384', 384, 'fine-tune').lastInsertRowid);
    const named = Number(insertModel.run(projectId, 'Reading centre baseline', 224, 'head').lastInsertRowid);
    before.close();

    const store = openStore();
    const project = store.projects.list()[0]!;
    // Generated names become readable; a name a person gave stays.
    expect(store.models.get(generated).name).toBe(`Model ${generated} (224 px)`);
    expect(store.models.get(fineTuned).name).toBe(`Model ${fineTuned} (384 px, fine-tuned)`);
    expect(store.models.get(named).name).toBe('Reading centre baseline');
    expect(store.images.page(project.task, { projectId: project.id, sort: 'name' }).rows.map((r) => r.fileName)).toEqual([
      '1530_left.jpeg',
      '15301_left.jpeg',
    ]);
  });
});

describe('reopening', () => {
  it('does not re-apply migrations and keeps the data', () => {
    const first = openStore();
    const project = first.projects.create('Screening', taskSpecFor('dr-grade'));
    const applied = first.db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all();
    expect(applied.map((row) => (row as { version: number }).version)).toEqual(migrations.map((m) => m.version));
    first.close();

    for (let i = 0; i < 3; i++) {
      const again = openStore();
      expect(again.schemaVersion).toBe(LATEST);
      expect(again.db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all()).toEqual(applied);
      expect(again.projects.list()).toEqual([project]);
      again.close();
    }
  });

  it('applies only the migrations that are new, once', () => {
    const store = openStore();
    store.projects.create('Screening', taskSpecFor('dr-grade'));
    store.close();

    const next: Migration = { version: LATEST + 1, name: 'image tags', sql: 'CREATE TABLE image_tags (image_id INTEGER, tag TEXT);' };
    const db = openDatabase(file, [...migrations, next]);
    open.push(db);
    expect(schemaVersion(db)).toBe(LATEST + 1);
    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual([
      ...migrations.map((m) => ({ version: m.version, name: m.name })),
      { version: LATEST + 1, name: 'image tags' },
    ]);
    expect(db.prepare('SELECT name FROM projects').all()).toEqual([{ name: 'Screening' }]);
    db.close();

    // Opening again with the same code applies nothing: the CREATE TABLE would fail if it ran twice.
    const again = openDatabase(file, [...migrations, next]);
    open.push(again);
    expect(schemaVersion(again)).toBe(LATEST + 1);
    expect((again.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(migrations.length + 1);
  });

  it('rolls back a migration that fails half way and leaves the schema version as it was', () => {
    openStore().close();
    const broken: Migration = {
      version: LATEST + 1,
      name: 'broken',
      sql: 'CREATE TABLE half_done (a INTEGER); INSERT INTO no_such_table VALUES (1);',
    };
    expect(() => openDatabase(file, [...migrations, broken])).toThrow(/no such table: no_such_table/);

    const store = openStore();
    expect(store.schemaVersion).toBe(LATEST);
    expect(store.db.prepare(`SELECT name FROM sqlite_master WHERE name = 'half_done'`).all()).toEqual([]);
    expect(store.db.prepare('SELECT version FROM schema_migrations').all()).toEqual(migrations.map((m) => ({ version: m.version })));
  });
});

describe('a database written by a newer Gradedesk', () => {
  function writeNewerFile(): void {
    fs.mkdirSync(dataDir, { recursive: true });
    const raw = new Database(file);
    raw.exec('CREATE TABLE future_things (a INTEGER)');
    raw.pragma(`user_version = ${NEWER}`);
    raw.close();
  }

  it('is refused with an unsupported error that says what to do, and is left untouched', () => {
    writeNewerFile();

    const error = thrown(() => Store.open(dataDir));
    expect(error).toBeInstanceOf(GradedeskError);
    expect((error as GradedeskError).code).toBe('unsupported');
    expect((error as GradedeskError).message).toBe(NEWER_SCHEMA);

    const check = new Database(file, { readonly: true });
    open.push(check);
    expect(check.pragma('user_version', { simple: true })).toBe(NEWER);
    // Nothing of this version's schema was written, not even the migrations table.
    expect(check.prepare(`SELECT name FROM sqlite_master ORDER BY name`).all()).toEqual([{ name: 'future_things' }]);
  });

  it('openDatabase refuses it the same way, before creating schema_migrations', () => {
    writeNewerFile();
    const error = thrown(() => openDatabase(file));
    expect(error).toBeInstanceOf(GradedeskError);
    expect((error as GradedeskError).code).toBe('unsupported');
    expect((error as GradedeskError).message).toBe(NEWER_SCHEMA);

    const check = new Database(file, { readonly: true });
    open.push(check);
    expect(check.prepare(`SELECT name FROM sqlite_master WHERE name = 'schema_migrations'`).all()).toEqual([]);
  });

  it('closes the connection it opened: the WAL files are gone and the file can be deleted and started afresh', () => {
    writeNewerFile();
    // Twice: a refusal that leaked its connection would still hold the file the second time.
    for (let i = 0; i < 2; i++) expect(() => Store.open(dataDir)).toThrow(NEWER_SCHEMA);

    // SQLite removes the -wal and -shm files when the last connection to a WAL database closes.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    expect(fs.existsSync(`${file}-shm`)).toBe(false);

    // With nothing left open, the file can be taken exclusively, then deleted and recreated.
    const exclusive = new Database(file);
    open.push(exclusive);
    exclusive.pragma('locking_mode = EXCLUSIVE');
    exclusive.pragma('busy_timeout = 0');
    expect(exclusive.prepare('SELECT COUNT(*) AS n FROM sqlite_master').get()).toEqual({ n: 1 });
    expect(exclusive.pragma('user_version', { simple: true })).toBe(NEWER);
    exclusive.close();

    fs.rmSync(file);
    const fresh = openStore();
    expect(fresh.schemaVersion).toBe(LATEST);
    expect(fresh.db.prepare('SELECT version FROM schema_migrations').all()).toEqual(migrations.map((m) => ({ version: m.version })));
    expect(fresh.projects.list()).toEqual([]);
  });

  it('is refused after this version migrated it and a newer one moved it on, keeping its migration records', () => {
    const future: Migration = { version: LATEST + 1, name: 'future', sql: 'CREATE TABLE future (a INTEGER);' };
    const newer = openDatabase(file, [...migrations, future]);
    open.push(newer);
    newer.close();

    const error = thrown(() => Store.open(dataDir));
    expect(error).toBeInstanceOf(GradedeskError);
    expect((error as GradedeskError).code).toBe('unsupported');
    expect((error as GradedeskError).message).toBe(
      `This data directory was written by a newer Gradedesk (schema ${LATEST + 1}; this version knows up to ${LATEST}). Update Gradedesk to open it.`,
    );

    const check = new Database(file, { readonly: true });
    open.push(check);
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST + 1);
    expect(check.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual([
      ...migrations.map((m) => ({ version: m.version, name: m.name })),
      { version: LATEST + 1, name: 'future' },
    ]);
  });
});

describe('integrityProblems()', () => {
  it('is empty on a sound file with data in it', () => {
    const store = openStore();
    expect(store.integrityProblems()).toEqual([]);
    const project = store.projects.create('Screening', taskSpecFor('dr-grade'));
    const reader = store.readers.ensure('Alice');
    const imageId = store.images.insert(newImage(project.id, 'a.jpg'));
    store.images.insert(newImage(project.id, 'broken.jpg', { status: 'error', errorKind: 'corrupt-image', errorText: 'bad' }));
    store.labels.record(project.task, { imageId, value: 2, source: 'reader', readerId: reader.id });
    store.labels.record(project.task, { imageId, value: 3, source: 'reader', readerId: reader.id });
    expect(store.integrityProblems()).toEqual([]);
    expect(integrityProblems(store.db)).toEqual([]);
  });

  it('names a row that points to a missing parent', () => {
    const store = openStore();
    store.db.pragma('foreign_keys = OFF');
    const imageId = store.images.insert(newImage(42, 'orphan.jpg'));
    store.db.pragma('foreign_keys = ON');
    expect(store.integrityProblems()).toEqual([`images row ${imageId} points to a missing projects row`]);
  });
});

describe('committed labels survive a crash', () => {
  function writeGrades(store: Store) {
    const project = store.projects.create('Screening', taskSpecFor('dr-grade'));
    const reader = store.readers.ensure('Alice');
    const a = store.images.insert(newImage(project.id, 'a.jpg'));
    const b = store.images.insert(newImage(project.id, 'b.jpg'));
    store.labels.record(project.task, { imageId: a, value: 1, source: 'reader', readerId: reader.id });
    store.labels.record(project.task, { imageId: a, value: 3, source: 'reader', readerId: reader.id });
    store.labels.record(project.task, { imageId: b, value: 0, source: 'reader', readerId: reader.id });
    return { project, a, b };
  }

  it('are read back by a second store opened while the first was never closed', () => {
    const writer = openStore();
    const { project, a, b } = writeGrades(writer);
    // No close(): the first process "died" holding the file open.

    const reader = openStore();
    expect(reader.projects.byName('screening').id).toBe(project.id);
    expect(reader.labels.current(a)).toMatchObject({ imageId: a, value: 3, source: 'reader', readerName: 'Alice' });
    expect(reader.labels.current(b)).toMatchObject({ imageId: b, value: 0 });
    expect(reader.labels.history(a).map((e) => [e.previousValue, e.value])).toEqual([
      [null, 1],
      [1, 3],
    ]);
    expect(reader.stats(project)).toMatchObject({ labelled: 2, labelEvents: 3 });
    expect(reader.integrityProblems()).toEqual([]);

    // And a grade the second store writes is seen by the first at once.
    const bob = reader.readers.ensure('Bob');
    reader.labels.record(project.task, { imageId: b, value: 4, source: 'reader', readerId: bob.id });
    expect(writer.labels.current(b)).toMatchObject({ value: 4, readerName: 'Bob' });
  });

  it('are in the files on disk at the moment the process dies (database + WAL copied while still open)', () => {
    const writer = openStore();
    const { project, a, b } = writeGrades(writer);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);

    // Snapshot what is on disk now, as a killed process would leave it (the -shm index is rebuilt on open).
    const crashedDir = path.join(root, 'after-crash');
    fs.mkdirSync(crashedDir);
    fs.copyFileSync(file, path.join(crashedDir, DATABASE_FILE_NAME));
    fs.copyFileSync(`${file}-wal`, path.join(crashedDir, `${DATABASE_FILE_NAME}-wal`));

    const recovered = openStore(crashedDir);
    expect(recovered.labels.current(a)?.value).toBe(3);
    expect(recovered.labels.current(b)?.value).toBe(0);
    expect(recovered.stats(project)).toMatchObject({ images: 2, labelled: 2, unlabelled: 0, labelEvents: 3 });
    expect(recovered.integrityProblems()).toEqual([]);
  });
});

describe('store.transaction()', () => {
  it('returns what the work returns and commits everything it wrote', () => {
    const store = openStore();
    const result = store.transaction(() => {
      const project = store.projects.create('Screening', taskSpecFor('dr-grade'));
      const imageId = store.images.insert(newImage(project.id, 'a.jpg'));
      store.labels.record(project.task, { imageId, value: 2, source: 'import', origin: 'labels.csv' });
      return imageId;
    });
    expect(result).toBe(1);
    expect(store.labels.current(1)?.value).toBe(2);
  });

  it('rolls back everything written in it when the work throws', () => {
    const store = openStore();
    const project = store.projects.create('Screening', taskSpecFor('dr-grade'));
    const alice = store.readers.ensure('Alice');
    const kept = store.images.insert(newImage(project.id, 'kept.jpg'));
    const firstEvent = store.labels.record(project.task, { imageId: kept, value: 1, source: 'reader', readerId: alice.id })!;

    expect(() =>
      store.transaction(() => {
        store.projects.create('Second', taskSpecFor('multiclass', ['a', 'b']));
        const bob = store.readers.ensure('Bob');
        const added = store.images.insert(newImage(project.id, 'added.jpg'));
        store.labels.record(project.task, { imageId: added, value: 4, source: 'reader', readerId: bob.id });
        store.labels.record(project.task, { imageId: kept, value: 3, source: 'reader', readerId: bob.id });
        store.labels.recordMany(project.task, [{ imageId: kept, value: 0, source: 'reader', readerId: bob.id }]);
        store.labels.setUngradable(kept, true, bob.id);
        store.labels.setNote(kept, 'blurry', bob.id);
        throw new Error('power cut');
      }),
    ).toThrow('power cut');

    expect(store.projects.list().map((p) => p.name)).toEqual(['Screening']);
    expect(store.readers.list().map((r) => r.name)).toEqual(['Alice']);
    expect(count(store, 'images')).toBe(1);
    expect(store.images.byPath(project.id, '/images/added.jpg')).toBeUndefined();
    expect(store.images.get(kept)).toMatchObject({ ungradable: false, note: null });
    expect(count(store, 'label_events')).toBe(1);
    expect(store.labels.history(kept)).toEqual([firstEvent]);
    expect(store.labels.current(kept)).toMatchObject({ value: 1, eventId: firstEvent.id, readerName: 'Alice' });
    expect(labelledRows(store)).toBe(1);
    expect(store.db.prepare('SELECT label_value, label_class, label_event_id FROM images WHERE id = ?').get(kept)).toEqual({
      label_value: '1',
      label_class: 1,
      label_event_id: firstEvent.id,
    });
    expect(store.integrityProblems()).toEqual([]);
  });

  it('rolls back when a label inside it is invalid, and the store stays usable', () => {
    const store = openStore();
    const project = store.projects.create('Screening', taskSpecFor('dr-grade'));
    const imageId = store.images.insert(newImage(project.id, 'a.jpg'));
    expect(() =>
      store.transaction(() => {
        store.labels.record(project.task, { imageId, value: 2, source: 'import' });
        store.labels.record(project.task, { imageId, value: 9, source: 'import' });
      }),
    ).toThrow('9 is not a valid grade: expected a whole number from 0 to 4.');
    expect(store.labels.current(imageId)).toBeNull();
    expect(count(store, 'label_events')).toBe(0);
    expect(labelledRows(store)).toBe(0);

    store.labels.record(project.task, { imageId, value: 2, source: 'import' });
    expect(store.labels.current(imageId)?.value).toBe(2);
  });
});

describe('expectedTables()', () => {
  it('reads the tables of a schema version from its migrations, however they spell CREATE and DROP', () => {
    const available = [
      { version: 1, name: 'a', sql: 'CREATE TABLE projects (id INTEGER); create table if not exists "notes" (x)' },
      { version: 2, name: 'b', sql: 'CREATE TABLE IF NOT EXISTS label_moves (id INTEGER); DROP TABLE IF EXISTS notes;' },
    ];
    expect(expectedTables(1, available)).toEqual(['projects', 'notes']);
    expect(expectedTables(2, available)).toEqual(['projects', 'label_moves']);
  });
});
