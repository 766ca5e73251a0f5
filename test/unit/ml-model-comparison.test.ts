import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/program';
import { evaluate } from '../../src/main/ml/evaluate/evaluation';
import { compareModels } from '../../src/main/ml/evaluate/model-comparison';
import { evaluateModel } from '../../src/main/ml/evaluate/model-evaluation';
import { Store } from '../../src/main/store';
import { REFERABLE_GRADE, taskSpecFor, type Project } from '../../src/shared/domain';
import { defaultTrainOptions, type ModelComparison, type Prediction } from '../../src/shared/ml';
import { comparisonBasis, comparisonRows } from '../../src/renderer/src/lib/evaluate/comparison';
import { newImage } from '../fixtures/store-rows';

// The real store on a real SQLite file; two models whose out-of-fold predictions are written as a
// training run would write them.

let root: string;
let store: Store;
let project: Project;
let ids: number[];

/** 80 eyes of 40 patients, graded 0–4 in turn. */
const GRADES = Array.from({ length: 80 }, (_, i) => Math.floor(i / 2) % 5);

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-compare-'));
  store = Store.open(root);
  project = store.projects.create('Screening', taskSpecFor('dr-grade'));
  ids = GRADES.map((grade, i) => {
    const id = store.images.insert(newImage(project.id, `${Math.floor(i / 2)}_${i % 2 ? 'right' : 'left'}.jpeg`, { groupId: String(Math.floor(i / 2)) }));
    store.labels.record(project.task, { imageId: id, value: grade, source: 'import', origin: 'labels.csv' });
    return id;
  });
});

afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** A model that predicts `grade(i)` for image i, holding out the images `heldOut` keeps. */
function model(name: string, grade: (i: number) => number, heldOut: (i: number) => boolean): number {
  const modelId = store.models.create({ projectId: project.id, name, taskKind: 'dr-grade', classes: project.task.classes, options: defaultTrainOptions('dr-grade'), preprocessing: 'none', modelsDir: root });
  store.models.saveTrainingImages(modelId, ids.map((imageId, i) => ({ imageId, label: GRADES[i]!, fold: i % 5 })));
  store.predictions.save(
    ids.map((imageId, i): Prediction => {
      const predicted = grade(i);
      const probabilities = [0, 1, 2, 3, 4].map((k) => (k === predicted ? 0.8 : 0.05));
      return {
        modelId,
        imageId,
        probabilities,
        predicted,
        expected: probabilities.reduce((sum, p, k) => sum + p * k, 0),
        referable: probabilities.slice(REFERABLE_GRADE).reduce((a, b) => a + b, 0),
        entropy: null,
        margin: null,
        outOfFold: heldOut(i),
        inTrainingSet: true,
      };
    }),
  );
  const evaluation = evaluate({
    taskKind: 'dr-grade',
    head: 'softmax',
    classes: project.task.classes,
    basis: 'out-of-fold',
    images: store.predictions.forModel(modelId, { outOfFoldOnly: true }).map((p) => ({ ...p, label: GRADES[ids.indexOf(p.imageId)]!, group: String(Math.floor(ids.indexOf(p.imageId) / 2)) })),
  });
  store.models.finish(modelId, { status: 'ready', evaluation });
  return modelId;
}

describe('comparing two models', () => {
  it('uses only the images both held out, with the labels they have now, and says what it left out', () => {
    const good = model('Model 1 (224 px)', (i) => GRADES[i]!, () => true);
    const poor = model('Model 2 (128 px)', (i) => (i % 3 === 0 ? (GRADES[i]! + 2) % 5 : GRADES[i]!), (i) => i < 70);
    // A relabel after both were trained: the comparison counts the new label for both.
    const reader = store.readers.ensure('Dr Okafor');
    store.labels.record(project.task, { imageId: ids[0]!, value: 4, source: 'reader', readerId: reader.id });

    const comparison = compareModels(store, good, poor);
    expect(comparison).toMatchObject({ images: 70, groups: 35, onlyA: 10, onlyB: 0, relabelledSinceA: 1, relabelledSinceB: 1 });
    expect(comparison.a.samples).toBe(70);
    expect(comparison.b.samples).toBe(70);
    // Image 0 is now grade 4: the "perfect" model is wrong on it, once.
    expect(comparison.a.accuracy).toBeCloseTo(69 / 70, 12);
    const accuracy = comparison.metrics.find((m) => m.metric === 'accuracy')!;
    expect(accuracy.difference).toBeCloseTo(comparison.a.accuracy! - comparison.b.accuracy!, 12);
    // The better model is better on every resample of these patients.
    expect(accuracy.interval!.low).toBeGreaterThan(0);
    expect(accuracy.interval!.high).toBeGreaterThanOrEqual(accuracy.difference!);
  });

  it('refuses models of different projects', () => {
    const good = model('A', (i) => GRADES[i]!, () => true);
    const other = store.projects.create('Other', taskSpecFor('dr-grade'));
    const stranger = store.models.create({ projectId: other.id, name: 'B', taskKind: 'dr-grade', classes: other.task.classes, options: defaultTrainOptions('dr-grade'), preprocessing: 'none', modelsDir: root });
    expect(() => compareModels(store, good, stranger)).toThrow(/different projects/);
  });
});

describe('a saved referral threshold', () => {
  it('is the operating point the model is evaluated at, set from the CLI as from Evaluate', async () => {
    const id = model('Model 1 (224 px)', (i) => GRADES[i]!, () => true);
    expect(evaluateModel(store, id).referable!.threshold).toBe(0.5);
    let out = '';
    const io = { stdout: (text: string) => void (out += text), stderr: (text: string) => void (out += text), interactive: false };
    expect(await runCli(['--data', root, 'models', 'threshold', String(id), '0.3'], io)).toBe(0);
    expect(out).toMatch(/refers an eye at P\(referable\) ≥ 0\.30/);
    expect(store.models.get(id).referralThreshold).toBe(0.3);
    expect(evaluateModel(store, id).referable!.threshold).toBe(0.3);
    expect(await runCli(['--data', root, 'models', 'threshold', String(id), '1.5'], io)).not.toBe(0);
    expect(await runCli(['--data', root, 'models', 'threshold', String(id), 'default'], io)).toBe(0);
    expect(store.models.get(id).referralThreshold).toBeNull();
  });
});

describe('the comparison in words', () => {
  const comparison: ModelComparison = {
    a: {} as ModelComparison['a'],
    b: {} as ModelComparison['b'],
    metrics: [
      { metric: 'qwk', a: 0.894, b: 0.873, difference: 0.021, interval: { low: -0.012, high: 0.055 } },
      { metric: 'sensitivity', a: 0.9, b: 0.8, difference: 0.1, interval: { low: 0.031, high: 0.17 } },
      { metric: 'ece', a: 0.05, b: 0.09, difference: -0.04, interval: { low: -0.07, high: -0.01 } },
    ],
    images: 198,
    groups: 99,
    onlyA: 2,
    onlyB: 0,
    relabelledSinceA: 0,
    relabelledSinceB: 3,
  };

  it('gives each figure, the difference with its interval, and which model the whole interval favours', () => {
    const rows = comparisonRows(comparison);
    expect(rows.map((r) => [r.a, r.b, r.difference, r.favours])).toEqual([
      ['0.894', '0.873', '+0.021 (−0.012 to +0.055)', null],
      ['90.0%', '80.0%', '+10.0 pts (+3.1 pts to +17.0 pts)', 'a'],
      // Lower calibration error is better: a negative difference favours the first model.
      ['0.050', '0.090', '−0.040 (−0.070 to −0.010)', 'a'],
    ]);
  });

  it('says what the figures were measured on and what was left out', () => {
    expect(comparisonBasis(comparison, 'Model 1', 'Model 2')).toBe(
      'Compared on the 198 images of 99 patients that both models held out, with the labels they have now. Left out: 2 images held out by Model 1 only. ' +
        "3 labels changed since Model 2 was trained: each model's own column below still counts the old labels, so its figures differ from these.",
    );
  });
});
