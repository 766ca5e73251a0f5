import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store';
import type { NewImage } from '../../src/main/store/images';
import {
  taskSpecFor,
  type ImageFilter,
  type ImageQuery,
  type ImageSortKey,
  type ImportErrorKind,
  type Project,
  type Reader,
} from '../../src/shared/domain';
import { GradedeskError } from '../../src/shared/errors';
import { newImage } from '../fixtures/store-rows';

// The real store on a real SQLite file in a temp directory: no mocks.

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-store-grid-'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

let storeCount = 0;
const openFreshStore = () => Store.open(path.join(root, `store-${++storeCount}`));

const sha = (text: string) => createHash('sha256').update(text).digest('hex');


function errorImage(projectId: number, fileName: string, errorKind: ImportErrorKind): NewImage {
  return newImage(projectId, fileName, { phash: null, width: null, height: null, format: null, status: 'error', errorKind, errorText: `${errorKind}!` });
}

function expectGradedeskError(fn: () => unknown, code: GradedeskError['code'], message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(GradedeskError);
  expect((error as GradedeskError).code).toBe(code);
  expect((error as GradedeskError).message).toBe(message);
}

/**
 * The dr-grade library every read-only test below looks at, inserted in this order (so `imported` order
 * differs from name order):
 *
 *   #  file          group eye    status / label                   flags
 *   1  h.png         h     -      grade 1
 *   2  a_left.png    a     left   grade 0
 *   3  g.png         g     -      error corrupt-image
 *   4  c.jpg         c     -      grade 2                          exact duplicate of a_left
 *   5  b_right.png   b     right  unlabelled
 *   6  a_right.png   a     right  grade 2
 *   7  f.dcm         f     -      error dicom-not-supported
 *   8  d.jpg         d     -      unlabelled                       near duplicate of a_right, ungradable
 *   9  b_left.png    b     left   grade 4                          ungradable
 *  10  e.png         e     -      error corrupt-image
 *  11  i.png         i     -      grade 3, then 2 (two events)
 *
 * Another project holds images with some of the same names; they must never show up.
 */
describe('a dr-grade library', () => {
  let store: Store;
  let project: Project;
  let other: Project;
  let alice: Reader;
  const id: Record<string, number> = {};
  const otherId: Record<string, number> = {};

  beforeAll(() => {
    store = openFreshStore();
    project = store.projects.create('Screening', taskSpecFor('dr-grade'));
    other = store.projects.create('Other', taskSpecFor('dr-grade'));
    alice = store.readers.ensure('Alice');
    const pid = project.id;
    const rows: NewImage[] = [
      newImage(pid, 'h.png'),
      newImage(pid, 'a_left.png', { groupId: 'a', eye: 'left' }),
      errorImage(pid, 'g.png', 'corrupt-image'),
      newImage(pid, 'c.jpg'),
      newImage(pid, 'b_right.png', { groupId: 'b', eye: 'right' }),
      newImage(pid, 'a_right.png', { groupId: 'a', eye: 'right' }),
      errorImage(pid, 'f.dcm', 'dicom-not-supported'),
      newImage(pid, 'd.jpg'),
      newImage(pid, 'b_left.png', { groupId: 'b', eye: 'left' }),
      errorImage(pid, 'e.png', 'corrupt-image'),
      newImage(pid, 'i.png'),
    ];
    store.transaction(() => {
      for (const row of rows) id[row.fileName] = store.images.insert(row);
      const grade = (fileName: string, value: number) =>
        store.labels.record(project.task, { imageId: id[fileName]!, value, source: 'reader', readerId: alice.id });
      grade('h.png', 1);
      grade('a_left.png', 0);
      grade('c.jpg', 2);
      grade('a_right.png', 2);
      grade('b_left.png', 4);
      grade('i.png', 3);
      grade('i.png', 2);
      store.images.markDuplicate(id['c.jpg']!, id['a_left.png']!, 'exact');
      store.images.markDuplicate(id['d.jpg']!, id['a_right.png']!, 'near');
      store.labels.setUngradable(id['d.jpg']!, true, alice.id);
      store.labels.setUngradable(id['b_left.png']!, true, alice.id);

      for (const row of [newImage(other.id, 'c.jpg'), newImage(other.id, 'z.png'), errorImage(other.id, 'y.png', 'empty-file')]) {
        otherId[row.fileName] = store.images.insert(row);
      }
      store.labels.record(project.task, { imageId: otherId['c.jpg']!, value: 2, source: 'import' });
      store.labels.record(project.task, { imageId: otherId['z.png']!, value: 3, source: 'import' });
      store.labels.setUngradable(otherId['z.png']!, true, alice.id);
      store.images.markDuplicate(otherId['z.png']!, otherId['c.jpg']!, 'exact');
    });
    expect(id['i.png']).toBe(11);
  });

  afterAll(() => store.close());

  const page = (query: Omit<ImageQuery, 'projectId'> = {}) => store.images.page(project.task, { projectId: project.id, ...query });
  const names = (query: Omit<ImageQuery, 'projectId'> = {}) => page({ limit: 1000, ...query }).rows.map((r) => r.fileName);
  const filtered = (filter: ImageFilter) => {
    const result = page({ filter, limit: 1000 });
    return { names: result.rows.map((r) => r.fileName), total: result.total };
  };

  const BY_NAME = [
    'a_left.png', 'a_right.png', 'b_left.png', 'b_right.png', 'c.jpg', 'd.jpg', 'e.png', 'f.dcm', 'g.png', 'h.png', 'i.png',
  ];
  const BY_IMPORT = [
    'h.png', 'a_left.png', 'g.png', 'c.jpg', 'b_right.png', 'a_right.png', 'f.dcm', 'd.jpg', 'b_left.png', 'e.png', 'i.png',
  ];
  // No label (NULL, which includes the import errors) first, then by grade; ties by file name, then id.
  const BY_LABEL = [
    'b_right.png', 'd.jpg', 'e.png', 'f.dcm', 'g.png', 'a_left.png', 'h.png', 'a_right.png', 'c.jpg', 'i.png', 'b_left.png',
  ];

  describe('page()', () => {
    it('returns grid rows with the current label and badges', () => {
      const rows = page().rows;
      expect(rows.find((r) => r.fileName === 'c.jpg')).toEqual({
        id: id['c.jpg'],
        fileName: 'c.jpg',
        sha256: sha(`${project.id}/c.jpg`),
        status: 'ok',
        errorKind: null,
        label: 2,
        ungradable: false,
        duplicateOf: id['a_left.png'],
        groupId: 'c',
        eye: null,
        prediction: null,
      });
      expect(rows.find((r) => r.fileName === 'd.jpg')).toMatchObject({ label: null, ungradable: true, duplicateOf: id['a_right.png'] });
      expect(rows.find((r) => r.fileName === 'b_left.png')).toMatchObject({ label: 4, ungradable: true, groupId: 'b', eye: 'left' });
      expect(rows.find((r) => r.fileName === 'f.dcm')).toEqual({
        id: id['f.dcm'],
        fileName: 'f.dcm',
        sha256: sha(`${project.id}/f.dcm`),
        status: 'error',
        errorKind: 'dicom-not-supported',
        label: null,
        ungradable: false,
        duplicateOf: null,
        groupId: 'f',
        eye: null,
        prediction: null,
      });
      expect(rows.find((r) => r.fileName === 'i.png')?.label).toBe(2);
    });

    it('without a filter shows every image of the project and only those', () => {
      const result = page();
      expect(result.total).toBe(11);
      expect(result.rows.map((r) => r.id).sort((a, b) => a - b)).toEqual(Object.values(id).sort((a, b) => a - b));
      const others = store.images.page(other.task, { projectId: other.id });
      expect(others.total).toBe(3);
      expect(others.rows.map((r) => r.fileName)).toEqual(['c.jpg', 'y.png', 'z.png']);
    });

    describe('filters', () => {
      it('by label: the current grade, not an earlier one', () => {
        expect(filtered({ label: 0 })).toEqual({ names: ['a_left.png'], total: 1 });
        expect(filtered({ label: 1 })).toEqual({ names: ['h.png'], total: 1 });
        expect(filtered({ label: 2 })).toEqual({ names: ['a_right.png', 'c.jpg', 'i.png'], total: 3 });
        expect(filtered({ label: 3 })).toEqual({ names: [], total: 0 });
        expect(filtered({ label: 4 })).toEqual({ names: ['b_left.png'], total: 1 });
      });

      it('by label refuses a value that is not a class', () => {
        for (const label of [5, -1, 1.5]) {
          expectGradedeskError(() => page({ filter: { label } }), 'invalid', `Filter value ${label} is not a class of this project.`);
        }
      });

      it('unlabelled: imported images without a current label (not the import errors)', () => {
        expect(filtered({ unlabelled: true })).toEqual({ names: ['b_right.png', 'd.jpg'], total: 2 });
        // false means "don't filter".
        expect(filtered({ unlabelled: false }).total).toBe(11);
      });

      it('ungradable: true and false', () => {
        expect(filtered({ ungradable: true })).toEqual({ names: ['b_left.png', 'd.jpg'], total: 2 });
        expect(filtered({ ungradable: false })).toEqual({
          names: ['a_left.png', 'a_right.png', 'b_right.png', 'c.jpg', 'e.png', 'f.dcm', 'g.png', 'h.png', 'i.png'],
          total: 9,
        });
      });

      it('duplicates: true and false', () => {
        expect(filtered({ duplicates: true })).toEqual({ names: ['c.jpg', 'd.jpg'], total: 2 });
        expect(filtered({ duplicates: false })).toEqual({
          names: ['a_left.png', 'a_right.png', 'b_left.png', 'b_right.png', 'e.png', 'f.dcm', 'g.png', 'h.png', 'i.png'],
          total: 9,
        });
      });

      it('importErrors: true and false', () => {
        expect(filtered({ importErrors: true })).toEqual({ names: ['e.png', 'f.dcm', 'g.png'], total: 3 });
        expect(filtered({ importErrors: false })).toEqual({
          names: ['a_left.png', 'a_right.png', 'b_left.png', 'b_right.png', 'c.jpg', 'd.jpg', 'h.png', 'i.png'],
          total: 8,
        });
      });

      it('groupId: the images of one patient', () => {
        expect(filtered({ groupId: 'a' })).toEqual({ names: ['a_left.png', 'a_right.png'], total: 2 });
        expect(filtered({ groupId: 'b' })).toEqual({ names: ['b_left.png', 'b_right.png'], total: 2 });
        expect(filtered({ groupId: 'f' })).toEqual({ names: ['f.dcm'], total: 1 });
        expect(filtered({ groupId: 'nobody' })).toEqual({ names: [], total: 0 });
        expect(filtered({ groupId: 'A' })).toEqual({ names: [], total: 0 });
      });

      it('combined: every filter narrows', () => {
        expect(filtered({ groupId: 'b', unlabelled: true })).toEqual({ names: ['b_right.png'], total: 1 });
        expect(filtered({ groupId: 'b', ungradable: true })).toEqual({ names: ['b_left.png'], total: 1 });
        expect(filtered({ ungradable: true, duplicates: true })).toEqual({ names: ['d.jpg'], total: 1 });
        expect(filtered({ label: 2, duplicates: true })).toEqual({ names: ['c.jpg'], total: 1 });
        expect(filtered({ label: 2, duplicates: false, groupId: 'a' })).toEqual({ names: ['a_right.png'], total: 1 });
        expect(filtered({ label: 4, ungradable: false })).toEqual({ names: [], total: 0 });
        expect(filtered({ unlabelled: true, ungradable: false, duplicates: false })).toEqual({ names: ['b_right.png'], total: 1 });
        expect(filtered({ importErrors: true, unlabelled: true })).toEqual({ names: [], total: 0 });
        expect(filtered({ importErrors: true, label: 0 })).toEqual({ names: [], total: 0 });
        expect(filtered({ importErrors: false, duplicates: false, ungradable: false })).toEqual({
          names: ['a_left.png', 'a_right.png', 'b_right.png', 'h.png', 'i.png'],
          total: 5,
        });
      });
    });

    describe('sorts', () => {
      it('by name (the default), ascending and descending', () => {
        expect(names()).toEqual(BY_NAME);
        expect(names({ sort: 'name' })).toEqual(BY_NAME);
        expect(names({ sort: 'name', descending: true })).toEqual([...BY_NAME].reverse());
      });

      it('by import order, ascending and descending', () => {
        expect(names({ sort: 'imported' })).toEqual(BY_IMPORT);
        expect(names({ sort: 'imported', descending: true })).toEqual([...BY_IMPORT].reverse());
      });

      it('by label: unlabelled first, then by grade, ties by file name; descending reverses it all', () => {
        expect(names({ sort: 'label' })).toEqual(BY_LABEL);
        expect(names({ sort: 'label', descending: true })).toEqual([...BY_LABEL].reverse());
        expect(page({ sort: 'label', limit: 1000 }).rows.map((r) => r.label)).toEqual([null, null, null, null, null, 0, 1, 2, 2, 2, 4]);
      });

      it('sorting applies within a filter', () => {
        expect(names({ sort: 'imported', filter: { importErrors: false, ungradable: false } })).toEqual([
          'h.png', 'a_left.png', 'c.jpg', 'b_right.png', 'a_right.png', 'i.png',
        ]);
        expect(names({ sort: 'label', descending: true, filter: { groupId: 'a' } })).toEqual(['a_right.png', 'a_left.png']);
      });
    });

    describe('paging', () => {
      const cases: Array<{ sort: ImageSortKey; descending: boolean }> = (['name', 'label', 'imported'] as const).flatMap((sort) => [
        { sort, descending: false },
        { sort, descending: true },
      ]);

      it.each(cases)('offset/limit pages cover every row exactly once (sort $sort, descending $descending)', ({ sort, descending }) => {
        const everything = names({ sort, descending });
        for (const limit of [1, 2, 3, 4, 5, 10, 11]) {
          const seen: string[] = [];
          for (let offset = 0; offset < 11; offset += limit) {
            const result = page({ sort, descending, offset, limit });
            expect(result.total).toBe(11);
            expect(result.rows.length).toBe(Math.min(limit, 11 - offset));
            seen.push(...result.rows.map((r) => r.fileName));
          }
          expect(seen).toEqual(everything);
        }
      });

      it('pages a filtered list, with the filter’s total on every page', () => {
        const first = page({ filter: { importErrors: false }, limit: 3 });
        const second = page({ filter: { importErrors: false }, limit: 3, offset: 3 });
        const third = page({ filter: { importErrors: false }, limit: 3, offset: 6 });
        expect([first.total, second.total, third.total]).toEqual([8, 8, 8]);
        expect([...first.rows, ...second.rows, ...third.rows].map((r) => r.fileName)).toEqual([
          'a_left.png', 'a_right.png', 'b_left.png', 'b_right.png', 'c.jpg', 'd.jpg', 'h.png', 'i.png',
        ]);
        expect(third.rows.length).toBe(2);
      });

      it('past the end and with limit 0: no rows, with the full total', () => {
        expect(page({ offset: 11, limit: 5 })).toEqual({ rows: [], total: 11 });
        expect(page({ offset: 500 })).toEqual({ rows: [], total: 11 });
        expect(page({ offset: 10, limit: 5 }).rows.map((r) => r.fileName)).toEqual(['i.png']);
        expect(page({ limit: 0 })).toEqual({ rows: [], total: 11 });
        expect(page({ offset: 3, limit: 0 })).toEqual({ rows: [], total: 11 });
        expect(page({ filter: { groupId: 'a' }, offset: 2 })).toEqual({ rows: [], total: 2 });
      });

      it('refuses an offset or limit that is negative or not a whole number', () => {
        for (const offset of [-1, -4, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          expectGradedeskError(
            () => page({ offset, limit: 2 }),
            'invalid',
            `The grid offset must be a whole number of at least 0, not ${offset}.`,
          );
        }
        for (const limit of [-1, -3, 2.5, Number.NaN]) {
          expectGradedeskError(() => page({ limit }), 'invalid', `The grid limit must be a whole number of at least 0, not ${limit}.`);
        }
        expectGradedeskError(() => page({ offset: -1 }), 'invalid', 'The grid offset must be a whole number of at least 0, not -1.');
        // The refusal leaves nothing behind: the next valid page is as before.
        expect(page({ offset: 0, limit: 2 }).rows.map((r) => r.fileName)).toEqual(['a_left.png', 'a_right.png']);
      });
    });
  });

  describe('resolve()', () => {
    const resolve = (reference: string) => store.images.resolve(project.id, reference);

    it('finds an image by id, file name or file name without extension', () => {
      expect(resolve(String(id['c.jpg'])).fileName).toBe('c.jpg');
      expect(resolve(` ${id['f.dcm']} `).fileName).toBe('f.dcm');
      expect(resolve('a_right.png').id).toBe(id['a_right.png']);
      expect(resolve('a_right').id).toBe(id['a_right.png']);
      expect(resolve('  b_left  ').id).toBe(id['b_left.png']);
      // Import errors can be named too (to see why they failed).
      expect(resolve('g')).toMatchObject({ id: id['g.png'], status: 'error', errorKind: 'corrupt-image', errorText: 'corrupt-image!' });
    });

    it('returns the stored image with its flags', () => {
      expect(resolve('d.jpg')).toMatchObject({
        id: id['d.jpg'],
        projectId: project.id,
        ungradable: true,
        duplicateOf: id['a_right.png'],
        duplicateKind: 'near',
      });
    });

    it('does not find images of another project, by id or by name', () => {
      expect(store.images.resolve(other.id, 'c.jpg').id).toBe(otherId['c.jpg']);
      expect(resolve('c.jpg').id).toBe(id['c.jpg']);
      expectGradedeskError(
        () => resolve(String(otherId['z.png'])),
        'not-found',
        `This project has no image "${otherId['z.png']}" (give an image id or a file name).`,
      );
      expectGradedeskError(() => resolve('z.png'), 'not-found', 'This project has no image "z.png" (give an image id or a file name).');
    });

    it('an unknown reference is a not-found error that says what to give', () => {
      expectGradedeskError(() => resolve('nope.png'), 'not-found', 'This project has no image "nope.png" (give an image id or a file name).');
      expectGradedeskError(() => resolve('999'), 'not-found', 'This project has no image "999" (give an image id or a file name).');
      expectGradedeskError(() => resolve('C.JPG'), 'not-found', 'This project has no image "C.JPG" (give an image id or a file name).');
    });
  });

  describe('stats()', () => {
    it('counts images, errors by kind, labels per grade, flags and groups', () => {
      expect(store.stats(project)).toEqual({
        images: 11,
        imported: 8,
        errors: { 'corrupt-image': 2, 'dicom-not-supported': 1 },
        perClass: { '0': 1, '1': 1, '2': 3, '3': 0, '4': 1 },
        labelled: 6,
        unlabelled: 2,
        ungradable: 2,
        duplicates: { exact: 1, near: 1 },
        groups: 6, // a, b, c, d, h, i (the error images' groups do not count)
        labelEvents: 7,
      });
    });

    it('agrees with the grid', () => {
      const stats = store.stats(project);
      expect(stats.unlabelled).toBe(page({ filter: { unlabelled: true } }).total);
      expect(stats.ungradable).toBe(page({ filter: { ungradable: true } }).total);
      expect(stats.images - stats.imported).toBe(page({ filter: { importErrors: true } }).total);
      expect(stats.duplicates.exact + stats.duplicates.near).toBe(page({ filter: { duplicates: true } }).total);
      for (let grade = 0; grade < 5; grade++) expect(stats.perClass[String(grade)]).toBe(page({ filter: { label: grade } }).total);
    });

    it('counts only its own project', () => {
      expect(store.stats(other)).toEqual({
        images: 3,
        imported: 2,
        errors: { 'empty-file': 1 },
        perClass: { '0': 0, '1': 0, '2': 1, '3': 1, '4': 0 },
        labelled: 2,
        unlabelled: 0,
        ungradable: 1,
        duplicates: { exact: 1, near: 0 },
        groups: 2,
        labelEvents: 2,
      });
    });
  });
});

describe('resolving ambiguous references', () => {
  let store: Store;
  let project: Project;
  beforeEach(() => {
    store = openFreshStore();
    project = store.projects.create('Screening', taskSpecFor('dr-grade'));
  });
  afterEach(() => store.close());

  it('a stem shared by two files is ambiguous; each full file name is not', () => {
    const png = store.images.insert(newImage(project.id, 'x.png'));
    const jpg = store.images.insert(newImage(project.id, 'x.jpg'));
    expectGradedeskError(
      () => store.images.resolve(project.id, 'x'),
      'invalid',
      `"x" names 2 images (ids ${png}, ${jpg}); give the image id instead.`,
    );
    expect(store.images.resolve(project.id, 'x.png').id).toBe(png);
    expect(store.images.resolve(project.id, 'x.jpg').id).toBe(jpg);
    expect(store.images.resolve(project.id, String(jpg)).id).toBe(jpg);
  });

  it('the same file name in several folders lists at most five ids', () => {
    const ids = Array.from({ length: 7 }, (_, i) =>
      store.images.insert(newImage(project.id, 'scan.png', { path: `/images/visit-${i}/scan.png`, sha256: sha(`visit-${i}`) })),
    );
    expectGradedeskError(
      () => store.images.resolve(project.id, 'scan.png'),
      'invalid',
      `"scan.png" names more than 5 images (ids ${ids.slice(0, 5).join(', ')}); give the image id instead.`,
    );
    store.db.exec(`DELETE FROM images WHERE id IN (${ids.slice(2).join(', ')})`);
    expectGradedeskError(
      () => store.images.resolve(project.id, 'scan'),
      'invalid',
      `"scan" names 2 images (ids ${ids[0]}, ${ids[1]}); give the image id instead.`,
    );
  });

  it('a file name that is a number is found by name when no image has that id; an id wins otherwise', () => {
    const first = store.images.insert(newImage(project.id, 'a.png'));
    const numbered = store.images.insert(newImage(project.id, '12345.png'));
    const one = store.images.insert(newImage(project.id, `${first}.png`));
    expect(store.images.resolve(project.id, '12345').id).toBe(numbered);
    expect(store.images.resolve(project.id, '12345.png').id).toBe(numbered);
    expect(store.images.resolve(project.id, `${first}.png`).id).toBe(one);
    expect(store.images.resolve(project.id, String(first)).id).toBe(first);
  });
});

describe('image flags', () => {
  let store: Store;
  let project: Project;
  let reader: Reader;
  let a: number;
  let b: number;
  beforeEach(() => {
    store = openFreshStore();
    project = store.projects.create('Screening', taskSpecFor('dr-grade'));
    reader = store.readers.ensure('Alice');
    a = store.images.insert(newImage(project.id, 'a.png'));
    b = store.images.insert(newImage(project.id, 'b.png'));
  });
  afterEach(() => store.close());

  it('setUngradable sets and clears the flag the grid filters on and the stats count', () => {
    store.labels.setUngradable(a, true, reader.id);
    expect(store.images.get(a).ungradable).toBe(true);
    expect(store.images.get(b).ungradable).toBe(false);
    expect(store.images.page(project.task, { projectId: project.id, filter: { ungradable: true } }).rows.map((r) => r.id)).toEqual([a]);
    expect(store.stats(project).ungradable).toBe(1);
    store.labels.setUngradable(a, true, reader.id);
    expect(store.stats(project).ungradable).toBe(1);
    store.labels.setUngradable(a, false, reader.id);
    expect(store.images.get(a).ungradable).toBe(false);
    expect(store.stats(project).ungradable).toBe(0);
  });

  it('setNote trims the note and clears it when blank or null', () => {
    store.labels.setNote(a, '  blurry, re-take  ', reader.id);
    expect(store.images.get(a).note).toBe('blurry, re-take');
    store.labels.setNote(a, '   ', reader.id);
    expect(store.images.get(a).note).toBeNull();
    store.labels.setNote(a, 'laser scars', reader.id);
    store.labels.setNote(a, null, reader.id);
    expect(store.images.get(a).note).toBeNull();
    expect(store.images.get(b).note).toBeNull();
  });

  it('setUngradable and setNote of an unknown image are not-found errors', () => {
    expectGradedeskError(() => store.labels.setUngradable(99, true, reader.id), 'not-found', 'There is no image with id 99.');
    expectGradedeskError(() => store.labels.setNote(99, 'x', reader.id), 'not-found', 'There is no image with id 99.');
  });

  it('markDuplicate records the original and the kind', () => {
    store.images.markDuplicate(b, a, 'near');
    expect(store.images.get(b)).toMatchObject({ duplicateOf: a, duplicateKind: 'near' });
    expect(store.images.get(a)).toMatchObject({ duplicateOf: null, duplicateKind: null });
    expect(store.stats(project).duplicates).toEqual({ exact: 0, near: 1 });
    store.images.markDuplicate(b, a, 'exact');
    expect(store.images.get(b)).toMatchObject({ duplicateOf: a, duplicateKind: 'exact' });
    expect(store.stats(project).duplicates).toEqual({ exact: 1, near: 0 });
    expect(store.images.page(project.task, { projectId: project.id, filter: { duplicates: true } }).rows).toMatchObject([
      { id: b, duplicateOf: a },
    ]);
  });

  it('markDuplicate refuses an original that does not exist', () => {
    expect(() => store.images.markDuplicate(b, 999, 'exact')).toThrow(/FOREIGN KEY constraint failed/);
    expect(store.images.get(b).duplicateOf).toBeNull();
  });
});

describe('name order', () => {
  it('is natural: digit runs compare as numbers, so 1530_left does not sit among 153xx', () => {
    const store = openFreshStore();
    try {
      const project = store.projects.create('EyePACS', taskSpecFor('dr-grade'));
      const inserted = ['15301_left.jpeg', '1530_left.jpeg', '153_right.jpeg', 'img10.png', 'img2.png', '1530_right.jpeg', 'img002b.png'];
      store.transaction(() => inserted.forEach((name) => store.images.insert(newImage(project.id, name))));
      const names = (descending = false) =>
        store.images.page(project.task, { projectId: project.id, sort: 'name', descending }).rows.map((r) => r.fileName);
      const natural = ['153_right.jpeg', '1530_left.jpeg', '1530_right.jpeg', '15301_left.jpeg', 'img2.png', 'img002b.png', 'img10.png'];
      expect(names()).toEqual(natural);
      expect(names(true)).toEqual([...natural].reverse());
    } finally {
      store.close();
    }
  });
});

describe('page size', () => {
  it('defaults to 200 rows and never returns more than 1000, while the total counts everything', () => {
    const store = openFreshStore();
    try {
      const project = store.projects.create('Big', taskSpecFor('dr-grade'));
      store.transaction(() => {
        for (let i = 0; i < 1005; i++) store.images.insert(newImage(project.id, `img-${String(i).padStart(4, '0')}.png`));
      });
      const page = (query: Omit<ImageQuery, 'projectId'>) => store.images.page(project.task, { projectId: project.id, ...query });
      expect(page({}).rows.length).toBe(200);
      expect(page({}).total).toBe(1005);
      const capped = page({ limit: 5000 });
      expect(capped.rows.length).toBe(1000);
      expect(capped.total).toBe(1005);
      expect(capped.rows.at(-1)!.fileName).toBe('img-0999.png');
      expect(page({ limit: 1000, offset: 1000 }).rows.map((r) => r.fileName)).toEqual([
        'img-1000.png', 'img-1001.png', 'img-1002.png', 'img-1003.png', 'img-1004.png',
      ]);
      expect(page({ limit: 1000 }).rows.length).toBe(1000);
      expect(page({ limit: 1001, offset: 4 }).rows.map((r) => r.fileName).slice(0, 1)).toEqual(['img-0004.png']);
      expect(page({ limit: 1001, offset: 4 }).rows.length).toBe(1000);
      expect(page({ limit: 1000, offset: 1005 })).toEqual({ rows: [], total: 1005 });
    } finally {
      store.close();
    }
  });
});

describe('grid views are cached until the database changes', () => {
  let store: Store;
  let project: Project;
  let alice: Reader;
  const id: Record<string, number> = {};

  beforeEach(() => {
    store = openFreshStore();
    project = store.projects.create('Screening', taskSpecFor('dr-grade'));
    alice = store.readers.ensure('Alice');
    for (const fileName of ['a.png', 'b.png', 'c.png', 'd.png']) id[fileName] = store.images.insert(newImage(project.id, fileName));
    store.labels.record(project.task, { imageId: id['a.png']!, value: 3, source: 'reader', readerId: alice.id });
    store.labels.record(project.task, { imageId: id['c.png']!, value: 1, source: 'reader', readerId: alice.id });
  });
  afterEach(() => store.close());

  const page = (query: Omit<ImageQuery, 'projectId'> = {}) => store.images.page(project.task, { projectId: project.id, ...query });
  const view = (query: Omit<ImageQuery, 'projectId'> = {}) => {
    const result = page(query);
    return { rows: result.rows.map((r) => [r.fileName, r.label]), total: result.total };
  };
  const grade = (fileName: string, value: number | null) =>
    store.labels.record(project.task, { imageId: id[fileName]!, value, source: 'reader', readerId: alice.id });

  it('the same query twice without a write gives the same page', () => {
    const first = page({ sort: 'label', offset: 1, limit: 2 });
    expect(first.rows.map((r) => r.fileName)).toEqual(['d.png', 'c.png']);
    expect(page({ sort: 'label', offset: 1, limit: 2 })).toEqual(first);
    expect(page({ sort: 'label', offset: 0, limit: 4 }).rows.map((r) => r.fileName)).toEqual(['b.png', 'd.png', 'c.png', 'a.png']);
  });

  it('a new grade between two pages is reflected in the label, the label sort and the filters', () => {
    expect(view({ sort: 'label' })).toEqual({
      rows: [['b.png', null], ['d.png', null], ['c.png', 1], ['a.png', 3]],
      total: 4,
    });
    expect(view({ filter: { unlabelled: true } })).toEqual({ rows: [['b.png', null], ['d.png', null]], total: 2 });
    expect(view({ filter: { label: 0 } })).toEqual({ rows: [], total: 0 });

    grade('d.png', 0);

    expect(view({ sort: 'label' })).toEqual({
      rows: [['b.png', null], ['d.png', 0], ['c.png', 1], ['a.png', 3]],
      total: 4,
    });
    expect(view({ filter: { unlabelled: true } })).toEqual({ rows: [['b.png', null]], total: 1 });
    expect(view({ filter: { label: 0 } })).toEqual({ rows: [['d.png', 0]], total: 1 });

    // A change of grade moves the image in the label sort; clearing it makes it unlabelled again.
    grade('a.png', 0);
    grade('c.png', null);
    expect(view({ sort: 'label' })).toEqual({
      rows: [['b.png', null], ['c.png', null], ['a.png', 0], ['d.png', 0]],
      total: 4,
    });
    expect(view({ filter: { label: 0 } })).toEqual({ rows: [['a.png', 0], ['d.png', 0]], total: 2 });
    expect(view({ filter: { unlabelled: true } })).toEqual({ rows: [['b.png', null], ['c.png', null]], total: 2 });
  });

  it('an undo between two pages is reflected', () => {
    const event = grade('b.png', 4)!;
    expect(view({ filter: { label: 4 } })).toEqual({ rows: [['b.png', 4]], total: 1 });
    store.labels.undo(project.task, event.id, alice.id);
    expect(view({ filter: { label: 4 } })).toEqual({ rows: [], total: 0 });
  });

  it('a flag between two pages is reflected', () => {
    expect(view({ filter: { ungradable: true } })).toEqual({ rows: [], total: 0 });
    expect(page({ filter: { ungradable: false } }).total).toBe(4);
    store.labels.setUngradable(id['b.png']!, true, alice.id);
    expect(view({ filter: { ungradable: true } })).toEqual({ rows: [['b.png', null]], total: 1 });
    expect(page({ filter: { ungradable: false } }).total).toBe(3);
    expect(page().rows.find((r) => r.fileName === 'b.png')?.ungradable).toBe(true);
    store.labels.setUngradable(id['b.png']!, false, alice.id);
    expect(view({ filter: { ungradable: true } })).toEqual({ rows: [], total: 0 });

    expect(page({ filter: { duplicates: true } }).total).toBe(0);
    store.images.markDuplicate(id['d.png']!, id['a.png']!, 'near');
    expect(page({ filter: { duplicates: true } }).rows.map((r) => [r.fileName, r.duplicateOf])).toEqual([['d.png', id['a.png']]]);
  });

  it('a new image, a re-import as an error and a raw delete between two pages are reflected', () => {
    expect(view()).toMatchObject({ total: 4 });
    const e = store.images.insert(newImage(project.id, 'aa.png'));
    expect(page().rows.map((r) => r.fileName)).toEqual(['a.png', 'aa.png', 'b.png', 'c.png', 'd.png']);
    expect(page().total).toBe(5);

    expect(page({ filter: { label: 3 } }).total).toBe(1);
    store.images.replace(id['a.png']!, errorImage(project.id, 'a.png', 'corrupt-image'));
    expect(page({ filter: { label: 3 } })).toEqual({ rows: [], total: 0 });
    expect(page({ filter: { importErrors: true } }).rows.map((r) => r.fileName)).toEqual(['a.png']);

    store.db.prepare('DELETE FROM images WHERE id = ?').run(e);
    expect(page().rows.map((r) => r.fileName)).toEqual(['a.png', 'b.png', 'c.png', 'd.png']);
  });

  it('a write committed by another connection to the same file is reflected', () => {
    expect(view({ filter: { unlabelled: true } })).toEqual({ rows: [['b.png', null], ['d.png', null]], total: 2 });
    const second = Store.open(path.dirname(store.db.name));
    try {
      second.labels.record(project.task, { imageId: id['b.png']!, value: 2, source: 'import' });
      second.labels.setUngradable(id['d.png']!, true, alice.id);
    } finally {
      second.close();
    }
    expect(view({ filter: { unlabelled: true } })).toEqual({ rows: [['d.png', null]], total: 1 });
    expect(view({ filter: { label: 2 } })).toEqual({ rows: [['b.png', 2]], total: 1 });
    expect(view({ filter: { ungradable: true } })).toEqual({ rows: [['d.png', null]], total: 1 });
  });

  it('stays right while switching between more views than it keeps', () => {
    const queries: Array<Omit<ImageQuery, 'projectId'>> = [
      { sort: 'name' },
      { sort: 'name', descending: true },
      { sort: 'label' },
      { sort: 'label', descending: true },
      { sort: 'imported', descending: true },
      { filter: { unlabelled: true } },
    ];
    const expected = [
      ['a.png', 'b.png', 'c.png', 'd.png'],
      ['d.png', 'c.png', 'b.png', 'a.png'],
      ['b.png', 'd.png', 'c.png', 'a.png'],
      ['a.png', 'c.png', 'd.png', 'b.png'],
      ['d.png', 'c.png', 'b.png', 'a.png'],
      ['b.png', 'd.png'],
    ];
    for (let round = 0; round < 3; round++) {
      queries.forEach((query, i) => expect(page(query).rows.map((r) => r.fileName)).toEqual(expected[i]));
    }
    grade('b.png', 4);
    expect(page(queries[2]!).rows.map((r) => r.fileName)).toEqual(['d.png', 'c.png', 'a.png', 'b.png']);
    expect(page(queries[5]!).rows.map((r) => r.fileName)).toEqual(['d.png']);
  });

  it('a grade that was rolled back is not left in a view read inside its transaction', () => {
    expect(view({ filter: { label: 4 } })).toEqual({ rows: [], total: 0 });
    expect(() =>
      store.transaction(() => {
        grade('b.png', 4);
        expect(view({ filter: { label: 4 } })).toEqual({ rows: [['b.png', 4]], total: 1 });
        throw new Error('cancelled');
      }),
    ).toThrow('cancelled');
    expect(store.labels.current(id['b.png']!)).toBeNull();
    expect(view({ filter: { label: 4 } })).toEqual({ rows: [], total: 0 });
  });

  it('an image whose insert was rolled back is not left in a view read inside its transaction', () => {
    expect(page().total).toBe(4);
    expect(() =>
      store.transaction(() => {
        store.images.insert(newImage(project.id, 'aa.png'));
        expect(page().rows.map((r) => r.fileName)).toEqual(['a.png', 'aa.png', 'b.png', 'c.png', 'd.png']);
        throw new Error('cancelled');
      }),
    ).toThrow('cancelled');
    expect(store.images.byPath(project.id, '/images/aa.png')).toBeUndefined();
    expect(page().rows.map((r) => r.fileName)).toEqual(['a.png', 'b.png', 'c.png', 'd.png']);
    expect(page().total).toBe(4);
  });
});

describe('stats() per task kind', () => {
  let store: Store;
  let alice: Reader;
  beforeEach(() => {
    store = openFreshStore();
    alice = store.readers.ensure('Alice');
  });
  afterEach(() => store.close());

  it('an empty project has zero of everything and every class listed', () => {
    const project = store.projects.create('Empty', taskSpecFor('multiclass', ['benign', 'malignant']));
    expect(store.stats(project)).toEqual({
      images: 0,
      imported: 0,
      errors: {},
      perClass: { benign: 0, malignant: 0 },
      labelled: 0,
      unlabelled: 0,
      ungradable: 0,
      duplicates: { exact: 0, near: 0 },
      groups: 0,
      labelEvents: 0,
    });
  });

  it('dr-grade: perClass keys are the grades 0 to 4', () => {
    const project = store.projects.create('Retina', taskSpecFor('dr-grade'));
    const ids = ['p1_left', 'p1_right', 'p2_left', 'p2_right', 'p3'].map((stem) =>
      store.images.insert(newImage(project.id, `${stem}.jpg`, { groupId: stem.split('_')[0]! })),
    );
    [4, 4, 0, 2].forEach((value, i) => store.labels.record(project.task, { imageId: ids[i]!, value, source: 'reader', readerId: alice.id }));
    expect(store.stats(project)).toMatchObject({
      images: 5,
      imported: 5,
      perClass: { '0': 1, '1': 0, '2': 1, '3': 0, '4': 2 },
      labelled: 4,
      unlabelled: 1,
      groups: 3,
      labelEvents: 4,
    });
    expect(Object.keys(store.stats(project).perClass)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('multiclass: perClass keys are the class names', () => {
    const project = store.projects.create('Skin', taskSpecFor('multiclass', ['akiec', 'bcc', 'mel', 'nv']));
    const ids = ['a', 'b', 'c', 'd', 'e'].map((stem) => store.images.insert(newImage(project.id, `${stem}.jpg`)));
    [3, 3, 2, 3].forEach((value, i) => store.labels.record(project.task, { imageId: ids[i]!, value, source: 'import' }));
    store.labels.record(project.task, { imageId: ids[2]!, value: 0, source: 'reader', readerId: alice.id });
    expect(store.stats(project)).toMatchObject({
      perClass: { akiec: 1, bcc: 0, mel: 0, nv: 3 },
      labelled: 4,
      unlabelled: 1,
      labelEvents: 5,
    });
  });

  it('multilabel: each label counts the images that carry it; an empty list is labelled but carries none', () => {
    const project = store.projects.create('Cells', taskSpecFor('multilabel', ['nucleus', 'membrane', 'cytosol']));
    const ids = ['a', 'b', 'c', 'd', 'e'].map((stem) => store.images.insert(newImage(project.id, `${stem}.png`)));
    const label = (i: number, value: number[]) => store.labels.record(project.task, { imageId: ids[i]!, value, source: 'import' });
    label(0, [0, 2]);
    label(1, [2]);
    label(2, [0, 1, 2]);
    label(3, []);
    expect(store.stats(project)).toMatchObject({
      perClass: { nucleus: 2, membrane: 1, cytosol: 3 },
      labelled: 4,
      unlabelled: 1,
      labelEvents: 4,
    });
    const page = (filter: ImageFilter) => store.images.page(project.task, { projectId: project.id, filter });
    expect(page({ label: 2 }).total).toBe(3);
    expect(page({ unlabelled: true }).rows.map((r) => r.fileName)).toEqual(['e.png']);
    // Sorting by label sorts by the mask: unlabelled, [], [2]=4, [0,2]=5, [0,1,2]=7.
    expect(store.images.page(project.task, { projectId: project.id, sort: 'label' }).rows.map((r) => r.label)).toEqual([
      null,
      [],
      [2],
      [0, 2],
      [0, 1, 2],
    ]);
  });

  it('multilabel with 52 labels counts the highest label', () => {
    const project = store.projects.create('Wide', taskSpecFor('multilabel', Array.from({ length: 52 }, (_, i) => `L${i}`)));
    const a = store.images.insert(newImage(project.id, 'a.png'));
    const b = store.images.insert(newImage(project.id, 'b.png'));
    store.labels.record(project.task, { imageId: a, value: [51, 0], source: 'import' });
    store.labels.record(project.task, { imageId: b, value: [51, 50, 31], source: 'import' });
    const perClass = store.stats(project).perClass;
    expect(Object.keys(perClass)).toHaveLength(52);
    expect(Object.entries(perClass).filter(([, n]) => n > 0)).toEqual([
      ['L0', 1],
      ['L31', 1],
      ['L50', 1],
      ['L51', 2],
    ]);
  });

  it('errors are counted by kind, and duplicates by exact and near', () => {
    const project = store.projects.create('Retina', taskSpecFor('dr-grade'));
    const original = store.images.insert(newImage(project.id, 'o.jpg'));
    const copy = store.images.insert(newImage(project.id, 'copy.jpg'));
    const near1 = store.images.insert(newImage(project.id, 'n1.jpg'));
    const near2 = store.images.insert(newImage(project.id, 'n2.jpg'));
    store.images.markDuplicate(copy, original, 'exact');
    store.images.markDuplicate(near1, original, 'near');
    store.images.markDuplicate(near2, original, 'near');
    const kinds: ImportErrorKind[] = ['empty-file', 'not-an-image', 'not-an-image', 'too-many-pixels', 'unreadable-file', 'unsupported-format'];
    kinds.forEach((kind, i) => store.images.insert(errorImage(project.id, `bad-${i}.x`, kind)));
    expect(store.stats(project)).toMatchObject({
      images: 10,
      imported: 4,
      errors: { 'empty-file': 1, 'not-an-image': 2, 'too-many-pixels': 1, 'unreadable-file': 1, 'unsupported-format': 1 },
      duplicates: { exact: 1, near: 2 },
      unlabelled: 4,
      groups: 4,
    });
  });

  it('groups count distinct patients among imported images', () => {
    const project = store.projects.create('Retina', taskSpecFor('dr-grade'));
    store.images.insert(newImage(project.id, '10_left.jpg', { groupId: '10', eye: 'left' }));
    store.images.insert(newImage(project.id, '10_right.jpg', { groupId: '10', eye: 'right' }));
    store.images.insert(newImage(project.id, '11_left.jpg', { groupId: '11', eye: 'left' }));
    store.images.insert(errorImage(project.id, '12_left.jpg', 'corrupt-image'));
    expect(store.stats(project).groups).toBe(2);
  });

  // Re-importing a graded file that has since become unreadable turns its row into an import error; its
  // label event stays in the log, but labels only count for images imported without error.
  it('an image that became an import error on re-import is not counted as labelled, in stats or label filters', () => {
    const project = store.projects.create('Retina', taskSpecFor('dr-grade'));
    const graded = store.images.insert(newImage(project.id, 'graded.jpg'));
    store.images.insert(newImage(project.id, 'todo.jpg'));
    store.labels.record(project.task, { imageId: graded, value: 3, source: 'reader', readerId: alice.id });
    // What import-folder.ts does when a known path now fails to decode.
    store.images.replace(graded, errorImage(project.id, 'graded.jpg', 'corrupt-image'));

    const unlabelledInGrid = store.images.page(project.task, { projectId: project.id, filter: { unlabelled: true } }).total;
    expect(unlabelledInGrid).toBe(1);
    const stats = store.stats(project);
    expect(stats.imported).toBe(1);
    expect(stats.unlabelled).toBe(unlabelledInGrid);
    expect(stats.labelled).toBe(0);
    expect(stats.perClass).toEqual({ '0': 0, '1': 0, '2': 0, '3': 0, '4': 0 });
    expect(stats.labelEvents).toBe(1);
    expect(store.images.page(project.task, { projectId: project.id, filter: { label: 3 } })).toEqual({ rows: [], total: 0 });
    expect(store.images.page(project.task, { projectId: project.id, filter: { importErrors: true } }).rows.map((r) => r.id)).toEqual([graded]);
  });

  it('multilabel: an image that became an import error does not count for its labels either', () => {
    const project = store.projects.create('Cells', taskSpecFor('multilabel', ['nucleus', 'membrane']));
    const graded = store.images.insert(newImage(project.id, 'graded.png'));
    const kept = store.images.insert(newImage(project.id, 'kept.png'));
    store.labels.record(project.task, { imageId: graded, value: [0, 1], source: 'import' });
    store.labels.record(project.task, { imageId: kept, value: [1], source: 'import' });
    store.images.replace(graded, errorImage(project.id, 'graded.png', 'corrupt-image'));

    expect(store.stats(project)).toMatchObject({ imported: 1, perClass: { nucleus: 0, membrane: 1 }, labelled: 1, unlabelled: 0 });
    const carrying = (label: number) => store.images.page(project.task, { projectId: project.id, filter: { label } });
    expect(carrying(0)).toEqual({ rows: [], total: 0 });
    expect(carrying(1).rows.map((r) => r.id)).toEqual([kept]);
    expect(carrying(1).total).toBe(1);
  });

  it('gets its current label back when the file is readable again, for every task kind', () => {
    const retina = store.projects.create('Retina again', taskSpecFor('dr-grade'));
    const cells = store.projects.create('Cells again', taskSpecFor('multilabel', ['nucleus', 'membrane', 'golgi']));
    const fundus = store.images.insert(newImage(retina.id, 'fundus.jpg'));
    const cell = store.images.insert(newImage(cells.id, 'cell.png'));
    store.labels.record(retina.task, { imageId: fundus, value: 2, source: 'reader', readerId: alice.id });
    store.labels.record(retina.task, { imageId: fundus, value: 4, source: 'reader', readerId: alice.id });
    store.labels.record(cells.task, { imageId: cell, value: [0, 2], source: 'import' });
    store.images.replace(fundus, errorImage(retina.id, 'fundus.jpg', 'corrupt-image'));
    store.images.replace(cell, errorImage(cells.id, 'cell.png', 'empty-file'));
    expect(store.labels.current(fundus)).toBeNull();

    store.images.replace(fundus, newImage(retina.id, 'fundus.jpg'));
    store.images.replace(cell, newImage(cells.id, 'cell.png'));
    expect(store.labels.current(fundus)?.value).toBe(4);
    expect(store.images.page(retina.task, { projectId: retina.id, filter: { label: 4 } }).rows.map((r) => r.id)).toEqual([fundus]);
    expect(store.labels.current(cell)?.value).toEqual([0, 2]);
    expect(store.images.page(cells.task, { projectId: cells.id, filter: { label: 2 } }).rows.map((r) => r.id)).toEqual([cell]);
    expect(store.images.page(cells.task, { projectId: cells.id, filter: { label: 1 } }).total).toBe(0);
    expect(store.labels.history(fundus)).toHaveLength(2);
  });
});
