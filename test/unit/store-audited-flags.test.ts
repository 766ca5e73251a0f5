import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store';
import { openDatabase } from '../../src/main/store/database';
import { migrations } from '../../src/main/store/migrations';
import { describeChange } from '../../src/shared/label-events';
import { taskSpecFor, type Project, type Reader } from '../../src/shared/domain';
import { newImage } from '../fixtures/store-rows';

// Ungradable flags and notes as events of the label log, and undo that says what it restored: the real
// store on a real SQLite file.

let root: string;
let store: Store;
let dr: Project;
let alice: Reader;
let image: number;
let other: number;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-audited-flags-'));
  store = Store.open(root);
  dr = store.projects.create('Screening', taskSpecFor('dr-grade'));
  alice = store.readers.ensure('Alice');
  image = store.images.insert(newImage(dr.id, 'a.jpg'));
  other = store.images.insert(newImage(dr.id, 'b.jpg'));
});

afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const grade = (value: number, imageId = image) => store.labels.record(dr.task, { imageId, value, source: 'reader', readerId: alice.id })!;

describe('ungradable flags and notes are audited events', () => {
  it('U records who flagged the image, when, and the value before, and keeps the flag on the image row', () => {
    const event = store.labels.setUngradable(image, true, alice.id)!;
    expect(event).toMatchObject({ kind: 'ungradable', imageId: image, readerName: 'Alice', value: true, previousValue: false, source: 'reader' });
    expect(store.images.get(image).ungradable).toBe(true);
    expect(store.labels.setUngradable(image, true, alice.id)).toBeNull();
    expect(store.labels.history(image).map((e) => e.kind)).toEqual(['ungradable']);
    // A flag is not a label: the current label and the grid's label columns stay as they were.
    expect(store.labels.current(image)).toBeNull();
  });

  it('a note is written, changed and removed as events, trimmed', () => {
    store.labels.setNote(image, '  blurry  ', alice.id);
    store.labels.setNote(image, 'laser scars', alice.id);
    store.labels.setNote(image, '   ', alice.id);
    expect(store.labels.history(image).map((e) => [e.kind, e.previousValue, e.value])).toEqual([
      ['note', null, 'blurry'],
      ['note', 'blurry', 'laser scars'],
      ['note', 'laser scars', null],
    ]);
    expect(store.images.get(image).note).toBeNull();
    expect(describeChange(dr.task, store.labels.history(image)[0]!)).toBe('note: “blurry”');
  });

  it('history shows grades, flags and notes in the order they were given', () => {
    grade(2);
    store.labels.setUngradable(image, true, alice.id);
    store.labels.setNote(image, 'media opacity', alice.id);
    expect(store.labels.history(image).map((e) => e.kind)).toEqual(['label', 'ungradable', 'note']);
  });

  it('undoing U clears the flag on its own image, and leaves other images’ grades alone', () => {
    const older = grade(3, other);
    const flag = store.labels.setUngradable(image, true, alice.id)!;
    const undo = store.labels.undo(dr.task, flag.id, alice.id);
    expect(undo).toMatchObject({ kind: 'ungradable', imageId: image, value: false, previousValue: true, undoOf: flag.id });
    expect(store.images.get(image).ungradable).toBe(false);
    expect(store.labels.current(other)).toMatchObject({ value: 3, eventId: older.id });
  });

  it('a grade after U does not block undoing the U, nor the U the grade: each kind has its own latest event', () => {
    const flag = store.labels.setUngradable(image, true, alice.id)!;
    const graded = grade(1);
    expect(store.labels.undo(dr.task, graded.id, alice.id)).toMatchObject({ kind: 'label', value: null });
    expect(store.labels.undo(dr.task, flag.id, alice.id)).toMatchObject({ kind: 'ungradable', value: false });
  });

  it('undoing a note brings the previous text back; a flag changed since cannot be undone', () => {
    store.labels.setNote(image, 'first', alice.id);
    const second = store.labels.setNote(image, 'second', alice.id)!;
    store.labels.undo(dr.task, second.id, alice.id);
    expect(store.images.get(image).note).toBe('first');
    const on = store.labels.setUngradable(image, true, alice.id)!;
    store.labels.setUngradable(image, false, alice.id);
    expect(() => store.labels.undo(dr.task, on.id, alice.id)).toThrow(/flagged or unflagged again since/);
  });

  it('the Library finds images marked ungradable that are graded all the same', () => {
    grade(2);
    store.labels.setUngradable(image, true, alice.id);
    store.labels.setUngradable(other, true, alice.id);
    const conflicts = store.images.page(dr.task, { projectId: dr.id, filter: { conflicts: true } });
    expect(conflicts.rows.map((row) => row.id)).toEqual([image]);
  });

  it('an unknown image or reader is refused and writes nothing', () => {
    expect(() => store.labels.setUngradable(999, true, alice.id)).toThrow('There is no image with id 999.');
    expect(() => store.labels.setNote(image, 'x', 42)).toThrow('There is no reader with id 42.');
    expect(store.labels.history(image)).toEqual([]);
  });
});

describe('undo to an imported value', () => {
  it('says the label file’s value is back, not that the reader graded it', () => {
    store.labels.record(dr.task, { imageId: image, value: 2, source: 'import', origin: 'trainLabels.csv' });
    const mine = grade(4);
    const undo = store.labels.undo(dr.task, mine.id, alice.id);
    expect(undo).toMatchObject({ value: 2, restored: { source: 'import', origin: 'trainLabels.csv' } });
    expect(store.labels.current(image)).toMatchObject({ value: 2, readerName: 'Alice', restoredFrom: { source: 'import', origin: 'trainLabels.csv' } });
    expect(describeChange(dr.task, undo)).toBe('Restored to the imported value 2 (label file trainLabels.csv)');
  });

  it('follows earlier undos back to the import (undo, redo, undo)', () => {
    store.labels.record(dr.task, { imageId: image, value: 2, source: 'import', origin: 'trainLabels.csv' });
    const mine = grade(4);
    const undo = store.labels.undo(dr.task, mine.id, alice.id);
    const redo = store.labels.undo(dr.task, undo.id, alice.id);
    expect(redo.restored).toMatchObject({ source: 'reader', readerName: 'Alice', eventId: mine.id });
    const again = store.labels.undo(dr.task, redo.id, alice.id);
    expect(again.restored).toMatchObject({ source: 'import', origin: 'trainLabels.csv' });
  });
});

describe('the audited-flags migration (007)', () => {
  it('keeps the events, flags and notes of a version-3 data directory, and new flags become events', () => {
    const file = path.join(root, 'v3.sqlite');
    const v3 = openDatabase(file, migrations.filter((m) => m.version <= 3));
    v3.prepare(`INSERT INTO projects (name, task_kind, classes, created_at) VALUES ('Old', 'dr-grade', '[]', 'x')`).run();
    v3.prepare(`INSERT INTO readers (name, created_at) VALUES ('Bea', 'x')`).run();
    v3.prepare(
      `INSERT INTO images (project_id, path, file_name, stem, sha256, bytes, group_id, status, imported_at, ungradable, note)
       VALUES (1, '/a.jpg', 'a.jpg', 'a', 'aa', 1, 'a', 'ok', 'x', 1, 'old note')`,
    ).run();
    v3.prepare(`INSERT INTO label_events (image_id, reader_id, value, previous_value, source, created_at) VALUES (1, 1, '2', NULL, 'reader', 'x')`).run();
    v3.close();

    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    expect(db.prepare('SELECT kind, value FROM label_events').all()).toEqual([{ kind: 'label', value: '2' }]);
    expect(db.prepare('SELECT ungradable, note FROM images').get()).toEqual({ ungradable: 1, note: 'old note' });
    expect(() => db.prepare(`INSERT INTO label_events (image_id, value, source, created_at, kind) VALUES (1, 'true', 'reader', 'x', 'colour')`).run()).toThrow(
      /CHECK constraint/,
    );
    db.close();
    const reopened = new Database(file, { readonly: true });
    expect(reopened.prepare('SELECT COUNT(*) AS n FROM label_events').get()).toEqual({ n: 1 });
    reopened.close();
  });
});
