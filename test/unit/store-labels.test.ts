import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store';
import { HAM10000_CLASSES, taskSpecFor, type LabelValue, type Project, type Reader, type TaskSpec } from '../../src/shared/domain';
import { GradedeskError } from '../../src/shared/errors';
import { InvalidLabelError } from '../../src/shared/labels';
import { newImage } from '../fixtures/store-rows';

// The real store on a real SQLite file in a temp directory: no mocks.

let root: string;
let store: Store;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-store-labels-'));
  store = Store.open(root);
});

afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});


const count = (table: string) => (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

interface LabelColumns {
  label_value: string | null;
  label_class: number | null;
  label_mask: number | null;
  label_event_id: number | null;
  label_updated_at: string | null;
}

/** The current-label columns of an image row, where the store keeps each image's current label. */
const currentRow = (imageId: number) =>
  store.db
    .prepare('SELECT label_value, label_class, label_mask, label_event_id, label_updated_at FROM images WHERE id = ?')
    .get(imageId) as LabelColumns | undefined;

const UNLABELLED_ROW: LabelColumns = { label_value: null, label_class: null, label_mask: null, label_event_id: null, label_updated_at: null };

/** Image rows that carry a current label. */
const labelledRows = () => (store.db.prepare('SELECT COUNT(*) AS n FROM images WHERE label_value IS NOT NULL').get() as { n: number }).n;

/** Runs `fn`, expects it to throw, and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function expectGradedeskError(fn: () => unknown, code: GradedeskError['code'], message: string): GradedeskError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(GradedeskError);
  expect((error as GradedeskError).code).toBe(code);
  expect((error as GradedeskError).message).toBe(message);
  return error as GradedeskError;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('projects', () => {
  it('creates a project with a trimmed name and reads it back by id, name and list', () => {
    const project = store.projects.create('  Screening 2024  ', taskSpecFor('dr-grade'));
    expect(project).toEqual({
      id: 1,
      name: 'Screening 2024',
      task: { kind: 'dr-grade', classes: ['No DR', 'Mild NPDR', 'Moderate NPDR', 'Severe NPDR', 'Proliferative DR'] },
      createdAt: expect.stringMatching(ISO),
    });
    expect(store.projects.get(project.id)).toEqual(project);
    expect(store.projects.byName('Screening 2024')).toEqual(project);
    expect(store.projects.find('SCREENING 2024')).toEqual(project);
    expect(store.projects.find(' screening 2024 ')).toEqual(project);
    expect(store.projects.find('Other')).toBeUndefined();
    expect(store.projects.list()).toEqual([project]);
  });

  it('keeps the classes of multiclass and multilabel projects', () => {
    const skin = store.projects.create('Skin', taskSpecFor('multiclass', HAM10000_CLASSES));
    const cells = store.projects.create('Cells', taskSpecFor('multilabel', ['nucleus', 'membrane', 'cytosol']));
    expect(store.projects.get(skin.id).task).toEqual({ kind: 'multiclass', classes: ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'] });
    expect(store.projects.get(cells.id).task).toEqual({ kind: 'multilabel', classes: ['nucleus', 'membrane', 'cytosol'] });
  });

  it('lists projects by name, ignoring case', () => {
    store.projects.create('beta', taskSpecFor('dr-grade'));
    store.projects.create('Gamma', taskSpecFor('dr-grade'));
    store.projects.create('alpha', taskSpecFor('dr-grade'));
    expect(store.projects.list().map((p) => p.name)).toEqual(['alpha', 'beta', 'Gamma']);
  });

  it('refuses a second project with the same name in any case, and an empty name', () => {
    store.projects.create('Screening', taskSpecFor('dr-grade'));
    expectGradedeskError(
      () => store.projects.create('screening', taskSpecFor('multiclass', ['a', 'b'])),
      'conflict',
      'A project named "screening" already exists.',
    );
    expectGradedeskError(() => store.projects.create('  SCREENING ', taskSpecFor('dr-grade')), 'conflict', 'A project named "SCREENING" already exists.');
    expectGradedeskError(() => store.projects.create('   ', taskSpecFor('dr-grade')), 'invalid', 'A project needs a name.');
    expectGradedeskError(() => store.projects.create('', taskSpecFor('dr-grade')), 'invalid', 'A project needs a name.');
    expect(store.projects.list().map((p) => p.name)).toEqual(['Screening']);
    expect(store.projects.list()[0]!.task.kind).toBe('dr-grade');
  });

  it('byName of an unknown project lists the projects there are', () => {
    expectGradedeskError(
      () => store.projects.byName('Screening'),
      'not-found',
      'There is no project named "Screening"; this data directory has no projects yet.',
    );
    store.projects.create('Retina', taskSpecFor('dr-grade'));
    store.projects.create('dermoscopy', taskSpecFor('multiclass', HAM10000_CLASSES));
    expectGradedeskError(() => store.projects.byName('Screening'), 'not-found', 'There is no project named "Screening". Projects: dermoscopy, Retina.');
    expect(store.projects.byName('retina').name).toBe('Retina');
  });

  it('get of an unknown id is a not-found error', () => {
    expectGradedeskError(() => store.projects.get(42), 'not-found', 'There is no project with id 42.');
  });
});

describe('readers', () => {
  it('ensure creates a reader on first use and returns the same one after, ignoring case and spaces', () => {
    const alice = store.readers.ensure('Alice');
    expect(alice).toEqual({ id: 1, name: 'Alice', createdAt: expect.stringMatching(ISO) });
    expect(store.readers.ensure('Alice')).toEqual(alice);
    expect(store.readers.ensure('  alice ')).toEqual(alice);
    expect(store.readers.ensure('ALICE')).toEqual(alice);
    const bob = store.readers.ensure(' bob ');
    expect(bob).toMatchObject({ id: 2, name: 'bob' });
    expect(store.readers.get(2)).toEqual(bob);
    expect(count('readers')).toBe(2);
  });

  it('lists readers by name, ignoring case', () => {
    store.readers.ensure('carol');
    store.readers.ensure('Alice');
    store.readers.ensure('bob');
    expect(store.readers.list().map((r) => r.name)).toEqual(['Alice', 'bob', 'carol']);
  });

  it('refuses an empty name and reports an unknown id', () => {
    expectGradedeskError(() => store.readers.ensure('  '), 'invalid', 'A reader needs a name.');
    expectGradedeskError(() => store.readers.get(7), 'not-found', 'There is no reader with id 7.');
    expect(store.readers.list()).toEqual([]);
  });
});

describe('inserting images', () => {
  let project: Project;
  beforeEach(() => {
    project = store.projects.create('Screening', taskSpecFor('dr-grade'));
  });

  it('stores an ok image with every field and no flags', () => {
    const id = store.images.insert(newImage(project.id, '10017_left.jpeg', { groupId: '10017', eye: 'left' }));
    expect(store.images.get(id)).toEqual({
      id,
      projectId: project.id,
      path: '/images/10017_left.jpeg',
      fileName: '10017_left.jpeg',
      sha256: createHash('sha256').update(`${project.id}/10017_left.jpeg`).digest('hex'),
      phash: '0f0f0f0f0f0f0f0f',
      width: 640,
      height: 480,
      bytes: 12_345,
      format: 'jpeg',
      groupId: '10017',
      eye: 'left',
      sourceMeta: null,
      dicom: null,
      status: 'ok',
      errorKind: null,
      errorText: null,
      importedAt: expect.stringMatching(ISO),
      ungradable: false,
      duplicateOf: null,
      duplicateKind: null,
      note: null,
    });
    expect(store.images.byPath(project.id, '/images/10017_left.jpeg')?.id).toBe(id);
    expect(store.images.byStem(project.id, '10017_left').map((i) => i.id)).toEqual([id]);
  });

  it('stores an error image with its kind and text, which byStem skips', () => {
    const id = store.images.insert(
      newImage(project.id, 'scan.dcm', {
        phash: null,
        width: null,
        height: null,
        format: null,
        status: 'error',
        errorKind: 'dicom-not-supported',
        errorText: 'DICOM files are not supported yet.',
      }),
    );
    expect(store.images.get(id)).toMatchObject({
      status: 'error',
      errorKind: 'dicom-not-supported',
      errorText: 'DICOM files are not supported yet.',
      phash: null,
      width: null,
      height: null,
      format: null,
    });
    expect(store.images.byStem(project.id, 'scan')).toEqual([]);
    expect(store.images.knownFiles(project.id)).toEqual(
      new Map([
        [
          '/images/scan.dcm',
          { id, sha256: createHash('sha256').update(`${project.id}/scan.dcm`).digest('hex'), status: 'error', errorKind: 'dicom-not-supported' },
        ],
      ]),
    );
  });

  it('refuses the same path twice in one project but not in another', () => {
    store.images.insert(newImage(project.id, 'a.jpg'));
    expect(() => store.images.insert(newImage(project.id, 'a.jpg'))).toThrow(/UNIQUE constraint failed: images.project_id, images.path/);
    const other = store.projects.create('Other', taskSpecFor('dr-grade'));
    expect(store.images.insert(newImage(other.id, 'a.jpg'))).toBe(2);
    expect(count('images')).toBe(2);
  });

  it('get of an unknown image is a not-found error', () => {
    expectGradedeskError(() => store.images.get(99), 'not-found', 'There is no image with id 99.');
  });
});

describe('label events', () => {
  let dr: Project;
  let alice: Reader;
  let bob: Reader;
  let image: number;

  beforeEach(() => {
    dr = store.projects.create('Screening', taskSpecFor('dr-grade'));
    alice = store.readers.ensure('Alice');
    bob = store.readers.ensure('Bob');
    image = store.images.insert(newImage(dr.id, 'a.jpg'));
  });

  const grade = (value: LabelValue | null, reader: Reader = alice, imageId = image, task: TaskSpec = dr.task) =>
    store.labels.record(task, { imageId, value, source: 'reader', readerId: reader.id })!;

  describe('dr-grade', () => {
    it('a reader grade becomes an event and the current label', () => {
      const event = grade(2);
      expect(event).toEqual({
        id: 1,
        imageId: image,
        kind: 'label',
        readerName: 'Alice',
        origin: null,
        value: 2,
        previousValue: null,
        source: 'reader',
        note: null,
        createdAt: expect.stringMatching(ISO),
        undoOf: null,
        restored: null,
      });
      expect(store.labels.event(1)).toEqual(event);
      expect(store.labels.current(image)).toEqual({
        imageId: image,
        value: 2,
        source: 'reader',
        readerName: 'Alice',
        eventId: 1,
        updatedAt: event.createdAt,
        restoredFrom: null,
      });
      expect(currentRow(image)).toEqual({
        label_value: '2',
        label_class: 2,
        label_mask: null,
        label_event_id: 1,
        label_updated_at: event.createdAt,
      });
      expect(store.images.page(dr.task, { projectId: dr.id }).rows.map((r) => [r.id, r.label])).toEqual([[image, 2]]);
    });

    it('an image starts unlabelled, with every label column NULL', () => {
      expect(currentRow(image)).toEqual(UNLABELLED_ROW);
      expect(store.labels.current(image)).toBeNull();
    });

    it('a later grade replaces the current label and remembers the one it replaced', () => {
      grade(2);
      const second = grade(4, bob);
      expect(second).toMatchObject({ id: 2, value: 4, previousValue: 2, readerName: 'Bob' });
      expect(store.labels.current(image)).toMatchObject({ value: 4, readerName: 'Bob', eventId: 2 });
      expect(currentRow(image)).toEqual({
        label_value: '4',
        label_class: 4,
        label_mask: null,
        label_event_id: 2,
        label_updated_at: second.createdAt,
      });
      expect(count('label_events')).toBe(2);
      expect(labelledRows()).toBe(1);
    });

    it('grade 0 is a label, not the absence of one', () => {
      const event = grade(0);
      expect(store.labels.current(image)).toMatchObject({ value: 0 });
      expect(currentRow(image)).toEqual({ label_value: '0', label_class: 0, label_mask: null, label_event_id: event.id, label_updated_at: event.createdAt });
      expect(store.images.page(dr.task, { projectId: dr.id, filter: { label: 0 } }).total).toBe(1);
      expect(store.images.page(dr.task, { projectId: dr.id, filter: { unlabelled: true } }).total).toBe(0);
    });

    it('an imported label needs no reader and keeps its origin; notes are trimmed', () => {
      const event = store.labels.record(dr.task, {
        imageId: image,
        value: 3,
        source: 'import',
        origin: 'trainLabels.csv',
        note: '  from the clinic  ',
      })!;
      expect(event).toMatchObject({ readerName: null, origin: 'trainLabels.csv', value: 3, source: 'import', note: 'from the clinic' });
      expect(store.labels.current(image)).toMatchObject({ value: 3, source: 'import', readerName: null });
      const blank = store.labels.record(dr.task, { imageId: image, value: 1, source: 'model-accepted', origin: 'resnet', note: '   ' })!;
      expect(blank).toMatchObject({ note: null, origin: 'resnet', source: 'model-accepted', previousValue: 3 });
    });

    it('an adjudication is recorded with its reader', () => {
      grade(1);
      const event = store.labels.record(dr.task, { imageId: image, value: 2, source: 'adjudication', readerId: bob.id })!;
      expect(event).toMatchObject({ source: 'adjudication', readerName: 'Bob', previousValue: 1, value: 2 });
      expect(store.labels.current(image)).toMatchObject({ source: 'adjudication', readerName: 'Bob', value: 2 });
    });

    it('a null value removes the current label', () => {
      grade(3);
      const cleared = grade(null);
      expect(cleared).toMatchObject({ value: null, previousValue: 3 });
      expect(store.labels.current(image)).toBeNull();
      // The label columns are cleared; the row still records which event cleared it, and when.
      expect(currentRow(image)).toEqual({
        label_value: null,
        label_class: null,
        label_mask: null,
        label_event_id: cleared.id,
        label_updated_at: cleared.createdAt,
      });
      expect(labelledRows()).toBe(0);
      expect(store.images.page(dr.task, { projectId: dr.id, filter: { unlabelled: true } }).rows.map((r) => [r.id, r.label])).toEqual([
        [image, null],
      ]);
      expect(count('label_events')).toBe(2);
    });
  });

  describe('multiclass', () => {
    let skin: Project;
    let lesion: number;
    beforeEach(() => {
      skin = store.projects.create('Skin', taskSpecFor('multiclass', HAM10000_CLASSES));
      lesion = store.images.insert(newImage(skin.id, 'ISIC_0027419.jpg'));
    });

    it('the class index becomes the current label', () => {
      const event = grade(4, alice, lesion, skin.task);
      expect(event).toMatchObject({ value: 4, previousValue: null });
      expect(store.labels.current(lesion)).toMatchObject({ value: 4 });
      expect(currentRow(lesion)).toEqual({
        label_value: '4',
        label_class: 4,
        label_mask: null,
        label_event_id: event.id,
        label_updated_at: event.createdAt,
      });
      expect(store.images.page(skin.task, { projectId: skin.id, filter: { label: 4 } }).rows.map((r) => r.id)).toEqual([lesion]);
    });

    it('an unknown class is refused and nothing is written', () => {
      for (const [value, message] of [
        [7, '7 is not a valid class: expected a whole number from 0 to 6.'],
        [-1, '-1 is not a valid class: expected a whole number from 0 to 6.'],
        ['mel', '"mel" is not a valid class: expected a whole number from 0 to 6.'],
        [[4], '[4] is not a valid class: expected a whole number from 0 to 6.'],
      ] as const) {
        const error = expectGradedeskError(() => grade(value as unknown as LabelValue, alice, lesion, skin.task), 'invalid', message);
        expect(error).toBeInstanceOf(InvalidLabelError);
      }
      expect(count('label_events')).toBe(0);
      expect(store.labels.current(lesion)).toBeNull();
    });
  });

  describe('multilabel', () => {
    let cells: Project;
    let cell: number;
    beforeEach(() => {
      cells = store.projects.create('Cells', taskSpecFor('multilabel', ['nucleus', 'membrane', 'nucleoli', 'cytosol']));
      cell = store.images.insert(newImage(cells.id, 'cell-1.png'));
    });

    it('the value is stored sorted and distinct, with its bit mask', () => {
      const event = grade([3, 1, 3, 0], alice, cell, cells.task);
      expect(event).toMatchObject({ value: [0, 1, 3], previousValue: null });
      expect(store.labels.current(cell)).toMatchObject({ value: [0, 1, 3] });
      expect(currentRow(cell)).toEqual({
        label_value: '[0,1,3]',
        label_class: null,
        label_mask: 0b1011,
        label_event_id: event.id,
        label_updated_at: event.createdAt,
      });

      const next = grade([2], bob, cell, cells.task);
      expect(next).toMatchObject({ value: [2], previousValue: [0, 1, 3] });
      expect(currentRow(cell)).toEqual({
        label_value: '[2]',
        label_class: null,
        label_mask: 0b0100,
        label_event_id: next.id,
        label_updated_at: next.createdAt,
      });
    });

    it('filters use the stored mask', () => {
      const other = store.images.insert(newImage(cells.id, 'cell-2.png'));
      const none = store.images.insert(newImage(cells.id, 'cell-3.png'));
      store.images.insert(newImage(cells.id, 'cell-4.png')); // unlabelled
      grade([3, 0], alice, cell, cells.task);
      grade([1, 0], alice, other, cells.task);
      grade([], alice, none, cells.task);
      const carrying = (label: number) =>
        store.images.page(cells.task, { projectId: cells.id, filter: { label } }).rows.map((r) => r.fileName);
      expect(carrying(0)).toEqual(['cell-1.png', 'cell-2.png']);
      expect(carrying(1)).toEqual(['cell-2.png']);
      expect(carrying(2)).toEqual([]);
      expect(carrying(3)).toEqual(['cell-1.png']);
      // An empty list is a label ("none of these"), not the absence of one.
      expect(currentRow(none)).toMatchObject({ label_value: '[]', label_class: null, label_mask: 0 });
      expect(store.images.page(cells.task, { projectId: cells.id, filter: { unlabelled: true } }).rows.map((r) => r.fileName)).toEqual([
        'cell-4.png',
      ]);
    });

    it('the mask holds the highest of 52 labels exactly', () => {
      const wide = store.projects.create('Wide', taskSpecFor('multilabel', Array.from({ length: 52 }, (_, i) => `L${i}`)));
      const a = store.images.insert(newImage(wide.id, 'a.png'));
      const b = store.images.insert(newImage(wide.id, 'b.png'));
      grade([51, 0], alice, a, wide.task);
      grade([50, 31, 30], alice, b, wide.task);
      expect(currentRow(a)).toMatchObject({ label_value: '[0,51]', label_class: null, label_mask: 2 ** 51 + 1 });
      expect(currentRow(b)).toMatchObject({ label_value: '[30,31,50]', label_class: null, label_mask: 2 ** 50 + 2 ** 31 + 2 ** 30 });
      const carrying = (label: number) =>
        store.images.page(wide.task, { projectId: wide.id, filter: { label } }).rows.map((r) => r.fileName);
      expect(carrying(51)).toEqual(['a.png']);
      expect(carrying(50)).toEqual(['b.png']);
      expect(carrying(31)).toEqual(['b.png']);
      expect(carrying(30)).toEqual(['b.png']);
      expect(carrying(0)).toEqual(['a.png']);
      expect(carrying(1)).toEqual([]);
    });

    it('an unknown label, a fraction or a single number is refused and nothing is written', () => {
      for (const [value, message] of [
        [[0, 4], "Label 4 is not one of this project's 4 labels (0–3)."],
        [[-1], "Label -1 is not one of this project's 4 labels (0–3)."],
        [[1.5], "Label 1.5 is not one of this project's 4 labels (0–3)."],
        [['nucleus'], `Label "nucleus" is not one of this project's 4 labels (0–3).`],
        [2, 'A multilabel value is a list of label numbers, not 2.'],
      ] as const) {
        const error = expectGradedeskError(() => grade(value as unknown as LabelValue, alice, cell, cells.task), 'invalid', message);
        expect(error).toBeInstanceOf(InvalidLabelError);
      }
      expect(count('label_events')).toBe(0);
      expect(store.labels.current(cell)).toBeNull();
    });
  });

  describe('refused labels write nothing', () => {
    it('an out-of-range or non-integer grade is an InvalidLabelError', () => {
      grade(1);
      for (const [value, message] of [
        [5, '5 is not a valid grade: expected a whole number from 0 to 4.'],
        [-1, '-1 is not a valid grade: expected a whole number from 0 to 4.'],
        [2.5, '2.5 is not a valid grade: expected a whole number from 0 to 4.'],
        ['2', '"2" is not a valid grade: expected a whole number from 0 to 4.'],
        [Number.NaN, 'null is not a valid grade: expected a whole number from 0 to 4.'],
        [[2], '[2] is not a valid grade: expected a whole number from 0 to 4.'],
      ] as const) {
        const error = expectGradedeskError(() => grade(value as unknown as LabelValue), 'invalid', message);
        expect(error).toBeInstanceOf(InvalidLabelError);
      }
      expect(count('label_events')).toBe(1);
      expect(store.labels.current(image)).toMatchObject({ value: 1, eventId: 1 });
      expect(currentRow(image)).toMatchObject({ label_value: '1', label_class: 1, label_mask: null, label_event_id: 1 });
    });

    it('a reader or adjudication label needs a reader', () => {
      expectGradedeskError(
        () => store.labels.record(dr.task, { imageId: image, value: 2, source: 'reader' }),
        'invalid',
        'A reader label needs a reader.',
      );
      expectGradedeskError(
        () => store.labels.record(dr.task, { imageId: image, value: 2, source: 'adjudication' }),
        'invalid',
        'An adjudication label needs a reader.',
      );
      expect(count('label_events')).toBe(0);
      expect(store.labels.current(image)).toBeNull();
      expect(currentRow(image)).toEqual(UNLABELLED_ROW);
    });

    it('a reader id that does not exist is a not-found error, whatever the source', () => {
      grade(1);
      for (const source of ['reader', 'adjudication', 'import', 'model-accepted'] as const) {
        expectGradedeskError(
          () => store.labels.record(dr.task, { imageId: image, value: 2, source, readerId: 99 }),
          'not-found',
          'There is no reader with id 99.',
        );
      }
      expectGradedeskError(() => store.labels.undo(dr.task, 1, 42), 'not-found', 'There is no reader with id 42.');
      expectGradedeskError(
        () =>
          store.labels.recordMany(dr.task, [
            { imageId: image, value: 3, source: 'reader', readerId: bob.id },
            { imageId: image, value: 4, source: 'reader', readerId: 7 },
          ]),
        'not-found',
        'There is no reader with id 7.',
      );
      expect(count('label_events')).toBe(1);
      expect(count('readers')).toBe(2);
      expect(store.labels.current(image)).toMatchObject({ value: 1, eventId: 1, readerName: 'Alice' });
      expect(currentRow(image)).toMatchObject({ label_value: '1', label_class: 1, label_event_id: 1 });
    });

    it('an image that could not be imported cannot be labelled', () => {
      const broken = store.images.insert(
        newImage(dr.id, 'broken.jpg', { status: 'error', errorKind: 'corrupt-image', errorText: 'truncated JPEG' }),
      );
      expectGradedeskError(() => grade(2, alice, broken), 'conflict', `Image ${broken} could not be imported, so it cannot be labelled.`);
      expectGradedeskError(
        () => store.labels.record(dr.task, { imageId: broken, value: 2, source: 'import', origin: 'labels.csv' }),
        'conflict',
        `Image ${broken} could not be imported, so it cannot be labelled.`,
      );
      expect(count('label_events')).toBe(0);
      expect(store.labels.history(broken)).toEqual([]);
    });

    it('an unknown image is a not-found error', () => {
      expectGradedeskError(() => grade(2, alice, 999), 'not-found', 'There is no image with id 999.');
      expect(count('label_events')).toBe(0);
    });
  });

  describe('history()', () => {
    it('lists an image’s events oldest first, each remembering the value before it', () => {
      const other = store.images.insert(newImage(dr.id, 'b.jpg'));
      grade(2, alice);
      grade(0, alice, other);
      grade(3, bob);
      store.labels.record(dr.task, { imageId: image, value: 1, source: 'import', origin: 'labels.csv' });
      grade(null, alice);
      grade(4, bob);

      const history = store.labels.history(image);
      expect(history.map((e) => ({ id: e.id, previousValue: e.previousValue, value: e.value, readerName: e.readerName, source: e.source }))).toEqual([
        { id: 1, previousValue: null, value: 2, readerName: 'Alice', source: 'reader' },
        { id: 3, previousValue: 2, value: 3, readerName: 'Bob', source: 'reader' },
        { id: 4, previousValue: 3, value: 1, readerName: null, source: 'import' },
        { id: 5, previousValue: 1, value: null, readerName: 'Alice', source: 'reader' },
        { id: 6, previousValue: null, value: 4, readerName: 'Bob', source: 'reader' },
      ]);
      // The chain: every event's previous value is the value of the event before it.
      for (let i = 1; i < history.length; i++) expect(history[i]!.previousValue).toEqual(history[i - 1]!.value);
      expect(history.map((e) => e.createdAt)).toEqual([...history.map((e) => e.createdAt)].sort());
      expect(store.labels.history(other).map((e) => e.id)).toEqual([2]);
      expect(store.labels.history(store.images.insert(newImage(dr.id, 'c.jpg')))).toEqual([]);
      expect(store.labels.current(image)).toMatchObject({ value: 4, eventId: 6 });
    });

    it('event() of an unknown id is a not-found error', () => {
      expectGradedeskError(() => store.labels.event(12), 'not-found', 'There is no label event 12.');
    });
  });

  describe('undo', () => {
    it('writes a new event that restores the previous value', () => {
      grade(2, alice);
      const second = grade(3, alice);
      const undo = store.labels.undo(dr.task, second.id, bob.id);
      expect(undo).toEqual({
        id: 3,
        imageId: image,
        kind: 'label',
        readerName: 'Bob',
        origin: null,
        value: 2,
        previousValue: 3,
        source: 'reader',
        note: `undo of event ${second.id}`,
        createdAt: expect.stringMatching(ISO),
        undoOf: second.id,
        restored: { eventId: 1, source: 'reader', readerName: 'Alice', origin: null },
      });
      expect(store.labels.current(image)).toMatchObject({ value: 2, eventId: 3, readerName: 'Bob' });
      expect(store.labels.history(image).map((e) => e.value)).toEqual([2, 3, 2]);
    });

    it('undoing the first label makes the image unlabelled again', () => {
      const first = grade(2, alice);
      const undo = store.labels.undo(dr.task, first.id, alice.id);
      expect(undo).toMatchObject({ value: null, previousValue: 2, note: `undo of event ${first.id}` });
      expect(store.labels.current(image)).toBeNull();
      expect(currentRow(image)).toEqual({
        label_value: null,
        label_class: null,
        label_mask: null,
        label_event_id: undo.id,
        label_updated_at: undo.createdAt,
      });
      expect(store.images.page(dr.task, { projectId: dr.id, filter: { unlabelled: true } }).rows.map((r) => r.id)).toEqual([image]);
      expect(store.stats(dr)).toMatchObject({ labelled: 0, unlabelled: 1, labelEvents: 2 });
      expect(store.stats(dr).perClass).toEqual({ '0': 0, '1': 0, '2': 0, '3': 0, '4': 0 });
    });

    it('restores an imported multilabel value', () => {
      const cells = store.projects.create('Cells', taskSpecFor('multilabel', ['a', 'b', 'c']));
      const cell = store.images.insert(newImage(cells.id, 'cell.png'));
      store.labels.record(cells.task, { imageId: cell, value: [2, 0], source: 'import', origin: 'train.csv' });
      const change = grade([1], alice, cell, cells.task);
      const undo = store.labels.undo(cells.task, change.id, alice.id);
      expect(store.labels.current(cell)).toMatchObject({ value: [0, 2], source: 'reader' });
      expect(currentRow(cell)).toEqual({
        label_value: '[0,2]',
        label_class: null,
        label_mask: 0b101,
        label_event_id: undo.id,
        label_updated_at: undo.createdAt,
      });
    });

    it('refuses to undo an event that is not the latest of its image, and writes nothing', () => {
      const first = grade(2, alice);
      const second = grade(3, bob);
      expectGradedeskError(
        () => store.labels.undo(dr.task, first.id, alice.id),
        'conflict',
        `Label event ${first.id} cannot be undone: the image has been labelled again since (event ${second.id}).`,
      );
      expect(count('label_events')).toBe(2);
      expect(store.labels.current(image)).toMatchObject({ value: 3, eventId: second.id });
    });

    it('"latest" is per image: newer events of other images do not block an undo', () => {
      const other = store.images.insert(newImage(dr.id, 'b.jpg'));
      const first = grade(2, alice);
      grade(4, bob, other);
      const undo = store.labels.undo(dr.task, first.id, alice.id);
      expect(undo).toMatchObject({ imageId: image, value: null, previousValue: 2 });
      expect(store.labels.current(other)).toMatchObject({ value: 4 });
    });

    it('undoing an undo redoes the change, after which the original can no longer be undone', () => {
      grade(2, alice);
      const change = grade(3, alice);
      const undo = store.labels.undo(dr.task, change.id, alice.id);
      const redo = store.labels.undo(dr.task, undo.id, alice.id);
      expect(redo).toMatchObject({ value: 3, previousValue: 2, note: `undo of event ${undo.id}` });
      expect(store.labels.current(image)).toMatchObject({ value: 3, eventId: redo.id });
      expect(store.labels.history(image).map((e) => [e.previousValue, e.value])).toEqual([
        [null, 2],
        [2, 3],
        [3, 2],
        [2, 3],
      ]);
      expect(() => store.labels.undo(dr.task, change.id, alice.id)).toThrow(/cannot be undone/);
    });

    it('undoing an undo that cleared the label brings the label back', () => {
      const first = grade(1, alice);
      const undo = store.labels.undo(dr.task, first.id, alice.id);
      expect(store.labels.current(image)).toBeNull();
      const redo = store.labels.undo(dr.task, undo.id, bob.id);
      expect(redo).toMatchObject({ value: 1, previousValue: null, readerName: 'Bob' });
      expect(store.labels.current(image)).toMatchObject({ value: 1, eventId: redo.id });
    });

    it('an unknown event is a not-found error', () => {
      expectGradedeskError(() => store.labels.undo(dr.task, 77, alice.id), 'not-found', 'There is no label event 77.');
      expect(count('label_events')).toBe(0);
    });
  });

  describe('onlyIfChanged', () => {
    it('skips an event that would not change the current label', () => {
      grade(2, alice);
      expect(store.labels.record(dr.task, { imageId: image, value: 2, source: 'import' }, { onlyIfChanged: true })).toBeNull();
      expect(count('label_events')).toBe(1);
      const changed = store.labels.record(dr.task, { imageId: image, value: 3, source: 'import' }, { onlyIfChanged: true });
      expect(changed).toMatchObject({ value: 3, previousValue: 2 });
      expect(count('label_events')).toBe(2);
    });

    it('without it, the same value is written again as a new event', () => {
      grade(2, alice);
      expect(grade(2, bob)).toMatchObject({ id: 2, value: 2, previousValue: 2, readerName: 'Bob' });
      expect(store.labels.current(image)).toMatchObject({ readerName: 'Bob', eventId: 2 });
    });

    it('compares multilabel values in canonical form, and null with unlabelled', () => {
      const cells = store.projects.create('Cells', taskSpecFor('multilabel', ['a', 'b', 'c']));
      const cell = store.images.insert(newImage(cells.id, 'cell.png'));
      grade([0, 2], alice, cell, cells.task);
      expect(store.labels.record(cells.task, { imageId: cell, value: [2, 0, 2], source: 'import' }, { onlyIfChanged: true })).toBeNull();
      expect(store.labels.record(dr.task, { imageId: image, value: null, source: 'import' }, { onlyIfChanged: true })).toBeNull();
      expect(count('label_events')).toBe(1);
    });

    it('still refuses an invalid value', () => {
      expect(() => store.labels.record(dr.task, { imageId: image, value: 8, source: 'import' }, { onlyIfChanged: true })).toThrow(
        InvalidLabelError,
      );
    });
  });

  describe('recordMany', () => {
    let b: number;
    let c: number;
    beforeEach(() => {
      b = store.images.insert(newImage(dr.id, 'b.jpg'));
      c = store.images.insert(newImage(dr.id, 'c.jpg'));
    });

    it('writes every label in order and returns the events', () => {
      const events = store.labels.recordMany(dr.task, [
        { imageId: image, value: 0, source: 'import', origin: 'labels.csv' },
        { imageId: b, value: 4, source: 'import', origin: 'labels.csv' },
        { imageId: image, value: 1, source: 'reader', readerId: alice.id },
      ]);
      expect(events.map((e) => [e.id, e.imageId, e.previousValue, e.value])).toEqual([
        [1, image, null, 0],
        [2, b, null, 4],
        [3, image, 0, 1],
      ]);
      expect(store.labels.current(image)?.value).toBe(1);
      expect(store.labels.current(b)?.value).toBe(4);
      expect(store.labels.current(c)).toBeNull();
    });

    it('is all-or-nothing when one value is invalid', () => {
      grade(2, alice, c);
      const error = thrown(() =>
        store.labels.recordMany(dr.task, [
          { imageId: image, value: 0, source: 'import' },
          { imageId: b, value: 5, source: 'import' },
          { imageId: c, value: 3, source: 'import' },
        ]),
      );
      expect(error).toBeInstanceOf(InvalidLabelError);
      expect((error as Error).message).toBe('5 is not a valid grade: expected a whole number from 0 to 4.');
      expect(count('label_events')).toBe(1);
      expect(labelledRows()).toBe(1);
      expect(store.labels.current(image)).toBeNull();
      expect(store.labels.current(b)).toBeNull();
      expect(store.labels.current(c)).toMatchObject({ value: 2, eventId: 1 });
      expect(currentRow(image)).toEqual(UNLABELLED_ROW);
      expect(currentRow(b)).toEqual(UNLABELLED_ROW);
      expect(currentRow(c)).toMatchObject({ label_value: '2', label_class: 2, label_event_id: 1 });
    });

    it('is all-or-nothing when one image cannot be labelled', () => {
      const broken = store.images.insert(newImage(dr.id, 'broken.jpg', { status: 'error', errorKind: 'empty-file', errorText: 'empty' }));
      expect(() =>
        store.labels.recordMany(dr.task, [
          { imageId: image, value: 0, source: 'import' },
          { imageId: broken, value: 1, source: 'import' },
        ]),
      ).toThrow(`Image ${broken} could not be imported, so it cannot be labelled.`);
      expect(count('label_events')).toBe(0);
      expect(labelledRows()).toBe(0);
      expect(currentRow(image)).toEqual(UNLABELLED_ROW);
    });

    it('with onlyIfChanged returns only the events it wrote', () => {
      grade(2, alice, image);
      grade(4, alice, b);
      const events = store.labels.recordMany(
        dr.task,
        [
          { imageId: image, value: 2, source: 'import' },
          { imageId: b, value: 3, source: 'import' },
          { imageId: c, value: 1, source: 'import' },
          { imageId: c, value: 1, source: 'import' },
        ],
        { onlyIfChanged: true },
      );
      expect(events.map((e) => [e.imageId, e.previousValue, e.value])).toEqual([
        [b, 4, 3],
        [c, null, 1],
      ]);
      expect(count('label_events')).toBe(4);
    });

    it('of nothing writes nothing', () => {
      expect(store.labels.recordMany(dr.task, [])).toEqual([]);
      expect(count('label_events')).toBe(0);
    });
  });

  describe('the event log is append-only in the database itself', () => {
    it('refuses UPDATE and DELETE of label events, even outside the store', () => {
      grade(2, alice);
      grade(3, bob);
      const before = store.db.prepare('SELECT * FROM label_events ORDER BY id').all();
      expect(() => store.db.exec(`UPDATE label_events SET value = '4' WHERE id = 1`)).toThrow('label events are append-only');
      expect(() => store.db.exec(`UPDATE label_events SET note = 'edited'`)).toThrow('label events are append-only');
      expect(() => store.db.exec('DELETE FROM label_events WHERE id = 2')).toThrow('label events are append-only');
      expect(() => store.db.exec('DELETE FROM label_events')).toThrow('label events are append-only');
      expect(store.db.prepare('SELECT * FROM label_events ORDER BY id').all()).toEqual(before);
      expect(store.labels.current(image)).toMatchObject({ value: 3, eventId: 2 });
    });

    it('a labelled image cannot be deleted out from under its events', () => {
      grade(2, alice);
      expect(() => store.db.exec(`DELETE FROM images WHERE id = ${image}`)).toThrow(/FOREIGN KEY constraint failed/);
      expect(store.images.get(image).id).toBe(image);
    });
  });
});
