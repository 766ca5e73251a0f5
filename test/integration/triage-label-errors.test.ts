// Confident learning after a real training run: a label file with a few labels flipped on purpose
// (healthy eyes labelled proliferative, proliferative eyes labelled healthy), and the label-error
// queue must bring those images up, from the out-of-fold probabilities of the patients' own folds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoDataset, type DemoManifest } from '../../src/main/demo/dataset';
import { triageQueue } from '../../src/main/ml/triage/triage';
import { Workspace } from '../../src/main/app/workspace';
import { taskSpecFor, type Project } from '../../src/shared/domain';
import type { TrainOptions } from '../../src/shared/ml';

const IMAGES = 240;
/** Small input, few epochs, four folds: well under a minute and a half on two cores. */
const QUICK: Partial<TrainOptions> = { inputSize: 128, epochs: 20, validation: { kind: 'k-fold', folds: 5 }, seed: 3 };
const FLIPS_PER_DIRECTION = 3;

let dir: string;
let workspace: Workspace;
let project: Project;
let demo: DemoManifest;
/** File names whose label the test flipped, with the true grade. */
const flipped = new Map<string, number>();

beforeAll(async () => {
  const started = Date.now();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-label-errors-'));
  demo = await writeDemoDataset(path.join(dir, 'photos'), { count: IMAGES, seed: 21, minSize: 192, maxSize: 256 });
  // One eye of different patients per flip: 0 → 4 and 4 → 0, the mistakes a model should notice.
  const patients = new Set<string>();
  for (const [from, to] of [[0, 4], [4, 0]] as const) {
    for (const image of demo.images.filter((i) => i.grade === from && !patients.has(i.patientId)).slice(0, FLIPS_PER_DIRECTION)) {
      patients.add(image.patientId);
      flipped.set(`${image.name}.jpeg`, to);
    }
  }
  const rows = fs.readFileSync(demo.labelsFile, 'utf8').trim().split('\n');
  const edited = rows.map((row, n) => {
    if (n === 0) return row;
    // The demo writes its text cells quoted, as every CSV Gradedesk writes.
    const [cell] = row.split(',');
    const name = cell!.replace(/^"(.*)"$/, '$1');
    return flipped.has(`${name}.jpeg`) ? `${cell},${flipped.get(`${name}.jpeg`)}` : row;
  });
  fs.writeFileSync(demo.labelsFile, `${edited.join('\n')}\n`);
  expect(edited.filter((row, n) => row !== rows[n]).length).toBe(flipped.size);

  workspace = Workspace.open(path.join(dir, 'data'));
  project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
  await workspace.startImport({ project, folder: path.join(demo.dir, 'images'), labelsFile: demo.labelsFile }).done;
  await workspace.startTraining(project, QUICK).job.done;
  console.log(`label-error set-up: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 150_000);

afterAll(async () => {
  await workspace?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('label-error candidates after training on a label file with flipped labels', () => {
  it('include the flipped images, at the head of the queue', () => {
    expect(flipped.size).toBe(2 * FLIPS_PER_DIRECTION);
    const page = triageQueue(workspace.store, project.id, 'label-errors', { limit: 1000 });
    const names = page.items.map((item) => item.fileName);
    const found = [...flipped.keys()].filter((name) => names.includes(name));
    const ranks = found.map((name) => names.indexOf(name) + 1);
    console.log(`label errors: ${page.total} candidates of ${IMAGES}; flipped found ${found.length}/${flipped.size} at ranks ${ranks.join(', ')}`);

    // Nearly every flipped label is a candidate, and they fill most of the queue's first places; the
    // other candidates are mostly neighbouring grades the model confuses.
    expect(found.length).toBeGreaterThanOrEqual(flipped.size - 1);
    const leading = names.slice(0, 2 * flipped.size).filter((name) => flipped.has(name));
    expect(leading.length).toBeGreaterThanOrEqual(flipped.size - 1);
    for (const name of found) {
      const item = page.items.find((i) => i.fileName === name)!;
      expect(item.label).toBe(flipped.get(name));
      expect(item.reason).toMatch(/^Labelled grade [04] /);
    }

    // The same images lead the top-loss queue, which reads the same out-of-fold predictions.
    const losses = triageQueue(workspace.store, project.id, 'top-loss', { limit: 20 }).items.map((item) => item.fileName);
    expect([...flipped.keys()].filter((name) => losses.includes(name)).length).toBeGreaterThanOrEqual(flipped.size - 1);
  });
});
