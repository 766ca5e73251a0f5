import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store';
import { taskSpecFor } from '../../src/shared/domain';
import { newImage } from '../fixtures/store-rows';

let root: string;
let store: Store;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-grading-day-'));
  store = Store.open(root);
});

afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('the fellow eye', () => {
  it('is the same patient’s other eye, and there is none for an image alone in its group', () => {
    const project = store.projects.create('Screening', taskSpecFor('dr-grade'));
    const left = store.images.insert(newImage(project.id, '10017_left.jpeg', { groupId: '10017', eye: 'left' }));
    const right = store.images.insert(newImage(project.id, '10017_right.jpeg', { groupId: '10017', eye: 'right' }));
    const alone = store.images.insert(newImage(project.id, '10018_left.jpeg', { groupId: '10018', eye: 'left' }));
    expect(store.images.fellowEye(left)).toBe(right);
    expect(store.images.fellowEye(right)).toBe(left);
    expect(store.images.fellowEye(alone)).toBeNull();
  });
});

describe('the day’s counter', () => {
  it('counts the images this reader graded since a time, not undos, imports or other readers', () => {
    const project = store.projects.create('Screening', taskSpecFor('dr-grade'));
    const [a, b, c] = ['a', 'b', 'c'].map((name) => store.images.insert(newImage(project.id, `${name}.jpeg`)));
    const me = store.readers.ensure('Dr Okafor');
    const other = store.readers.ensure('Dr Ellis');
    const since = new Date(Date.now() - 1000).toISOString();
    store.labels.record(project.task, { imageId: a!, value: 0, source: 'import', origin: 'labels.csv' });
    store.labels.record(project.task, { imageId: a!, value: 1, source: 'reader', readerId: me.id });
    store.labels.record(project.task, { imageId: a!, value: 2, source: 'reader', readerId: me.id });
    const graded = store.labels.record(project.task, { imageId: b!, value: 3, source: 'reader', readerId: me.id })!;
    store.labels.record(project.task, { imageId: c!, value: 4, source: 'reader', readerId: other.id });
    expect(store.labels.gradedSince(project.id, me.id, since)).toBe(2);
    store.labels.undo(project.task, graded.id, me.id);
    expect(store.labels.gradedSince(project.id, me.id, since)).toBe(2);
    expect(store.labels.gradedSince(project.id, me.id, new Date(Date.now() + 60_000).toISOString())).toBe(0);
  });
});
