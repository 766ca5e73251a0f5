// A finished training run makes its model active only when the project has none or the new model is
// better on the same labelled images (out of fold, against today's labels); the decision is kept on the
// model and the active model's embeddings stay. Real store, real SQLite file; the models' predictions are
// written as a training run writes them, with chosen values so that which model is better is known.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activateIfBetter, compareOnSameImages } from '../../src/main/ml/evaluate/activation';
import { Store } from '../../src/main/store';
import { taskSpecFor, type Project } from '../../src/shared/domain';
import { defaultTrainOptions, type Evaluation } from '../../src/shared/ml';
import { newImage } from '../fixtures/store-rows';

let root: string;
let store: Store;
let project: Project;
let imageIds: number[];
/** Grades 0–4, eight images each. */
const LABELS = Array.from({ length: 40 }, (_, i) => i % 5);

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-activation-'));
  store = Store.open(root);
  project = store.projects.create('Screening', taskSpecFor('dr-grade'));
  imageIds = LABELS.map((_, i) => store.images.insert(newImage(project.id, `${10000 + i}_left.jpeg`)));
  imageIds.forEach((imageId, i) => store.labels.record(project.task, { imageId, value: LABELS[i]!, source: 'import', origin: 'trainLabels.csv' }));
});

afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** A finished model with out-of-fold predictions `predicted(i)` for the images `which`, and a headline QWK it claims. */
function finishedModel(name: string, predicted: (i: number) => number, which: number[] = LABELS.map((_, i) => i), claimedQwk = 0.5): number {
  const modelId = store.models.create({
    projectId: project.id,
    name,
    taskKind: 'dr-grade',
    classes: project.task.classes,
    options: defaultTrainOptions('dr-grade'),
    preprocessing: 'fundus',
    modelsDir: root,
  });
  store.predictions.save(
    which.map((i) => {
      const grade = predicted(i);
      const probabilities = [0, 1, 2, 3, 4].map((k) => (k === grade ? 0.96 : 0.01));
      return { modelId, imageId: imageIds[i]!, probabilities, predicted: grade, expected: grade, referable: grade >= 2 ? 0.97 : 0.02, entropy: 0.1, margin: 0.95, outOfFold: true, inTrainingSet: true };
    }),
  );
  store.models.finish(modelId, { status: 'ready', evaluation: { qwk: claimedQwk, samples: which.length } as Evaluation });
  return modelId;
}

const exact = (i: number) => LABELS[i]!;
/** Right on all but every fourth image, which is off by two grades. */
const fair = (i: number) => (i % 4 === 0 ? (LABELS[i]! + 2) % 5 : LABELS[i]!);
const poor = (i: number) => (LABELS[i]! + 3) % 5;

describe('activation after a training run', () => {
  it('makes the first model active, and says so', () => {
    const first = finishedModel('ordinal@224', fair);
    const decision = activateIfBetter(store, first);
    expect(decision).toMatchObject({ activated: true, comparison: null, reason: expect.stringContaining('had none') });
    expect(store.models.active(project.id)?.id).toBe(first);
    expect(store.models.get(first).activation).toEqual(decision);
  });

  it('leaves a better active model active, keeps its embeddings, and says which is better on how many images', () => {
    const incumbent = finishedModel('ordinal@224', fair);
    activateIfBetter(store, incumbent);
    const { embeddings } = store;
    embeddings.put(incumbent, imageIds.map((imageId) => ({ imageId, vector: new Float32Array([1, 0]) })));

    const worse = finishedModel('softmax@128', poor);
    const decision = activateIfBetter(store, worse);
    expect(decision.activated).toBe(false);
    expect(decision.comparison).toMatchObject({ metric: 'qwk', images: 40, incumbentId: incumbent, incumbentName: 'ordinal@224' });
    expect(decision.comparison!.incumbent!).toBeGreaterThan(decision.comparison!.candidate!);
    expect(decision.reason).toMatch(/^“softmax@128” was not made active: the active model “ordinal@224” is better \(QWK -?\d\.\d{3} against \d\.\d{3} on the same 40 labelled images\)/);
    expect(store.models.active(project.id)?.id).toBe(incumbent);
    expect(store.models.get(worse).activation).toEqual(decision);
    expect(embeddings.count(incumbent)).toBe(40);
  });

  it('makes a model that is better on the same images active', () => {
    const incumbent = finishedModel('softmax@128', fair);
    activateIfBetter(store, incumbent);
    const better = finishedModel('ordinal@224', exact);
    const decision = activateIfBetter(store, better);
    expect(decision).toMatchObject({ activated: true, comparison: { candidate: 1, images: 40 } });
    expect(decision.reason).toContain('is better than “softmax@128”');
    expect(store.models.active(project.id)?.id).toBe(better);
  });

  it('compares on the images both models predicted out of fold, not on the figures each one claims', () => {
    const incumbent = finishedModel('all images', fair, undefined, 0.7);
    activateIfBetter(store, incumbent);
    // Perfect on the easy half where the active model is perfect too, and claiming a higher QWK.
    const easy = LABELS.map((_, i) => i).filter((i) => i % 4 !== 0);
    const partial = finishedModel('easy half', exact, easy, 1);
    const comparison = compareOnSameImages(store, partial, store.models.active(project.id)!);
    expect(comparison).toMatchObject({ images: easy.length, candidate: 1, incumbent: 1 });
    const decision = activateIfBetter(store, partial);
    expect(decision.activated).toBe(false);
    expect(decision.reason).toContain('is as good');
    expect(store.models.active(project.id)?.id).toBe(incumbent);
  });

  it('measures against today’s labels: a relabelled image counts with its new grade for both models', () => {
    const incumbent = finishedModel('old', exact);
    activateIfBetter(store, incumbent);
    const candidate = finishedModel('new', exact);
    const reader = store.readers.ensure('Ana');
    store.labels.record(project.task, { imageId: imageIds[0]!, value: 4, source: 'reader', readerId: reader.id });
    const comparison = compareOnSameImages(store, candidate, store.models.active(project.id)!);
    expect(comparison.candidate).toBe(comparison.incumbent);
    expect(comparison.candidate!).toBeLessThan(1);
  });
});
