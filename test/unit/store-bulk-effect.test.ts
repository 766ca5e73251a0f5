import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Store } from '../../src/main/store';
import { taskSpecFor } from '../../src/shared/domain';
import { newImage } from '../fixtures/store-rows';

let root: string;
let store: Store;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-bulk-effect-'));
  store = Store.open(root);
});

afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

it('counts, before bulk grading, the selected images it labels, leaves as they are, and whose grade it replaces', () => {
  const project = store.projects.create('Screening', taskSpecFor('dr-grade'));
  const reader = store.readers.ensure('Ana');
  const ids = Array.from({ length: 6 }, (_, i) => store.images.insert(newImage(project.id, `${i}.jpg`)));
  const grades = [0, 0, 2, 4, null, null];
  ids.forEach((imageId, i) => grades[i] !== null && store.labels.record(project.task, { imageId, value: grades[i]!, source: 'reader', readerId: reader.id }));
  expect(store.images.bulkGradeEffect(ids, 0)).toEqual({ unlabelled: 2, same: 2, replaced: 2 });
  expect(store.images.bulkGradeEffect(ids.slice(0, 2), 0)).toEqual({ unlabelled: 0, same: 2, replaced: 0 });
  expect(store.images.bulkGradeEffect([ids[4]!], 3)).toEqual({ unlabelled: 1, same: 0, replaced: 0 });
});
