// The training engine end to end, in the worker thread, on the tasks other than ordinal DR grading:
// a multiclass (dermoscopy-like) project, a multilabel (lesion findings) project, a regression head
// on DR grades, and the learning-rate finder. The labels are derived from the demo photographs'
// grades, so every task has real visual signal to learn.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSpecFor, type Project } from '../../src/shared/domain';
import { writeDemoDataset, type DemoImage, type DemoManifest } from '../../src/main/demo/dataset';
import { Workspace } from '../../src/main/app/workspace';
import type { TrainOptions } from '../../src/shared/ml';

const IMAGES = 100;
/** Small input, few epochs and two folds: each run is mostly feature extraction. */
const QUICK: Partial<TrainOptions> = { inputSize: 96, epochs: 6, validation: { kind: 'k-fold', folds: 2 } };

const SKIN_CLASSES = ['nv', 'bkl', 'mel'];
const skinClassOf = (grade: number) => (grade === 0 ? 'nv' : grade <= 2 ? 'bkl' : 'mel');
const FINDINGS = ['microaneurysms', 'haemorrhages', 'exudates', 'new vessels'];
/** Cumulative findings: grade 1 has microaneurysms, grade 2 also haemorrhages, and so on; grade 0 none. */
const findingsOf = (grade: number) => FINDINGS.slice(0, grade);
const patientGroup = (image: DemoImage) => `patient-${image.patientId}`;

let dir: string;
let demo: DemoManifest;
let workspace: Workspace;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-training-tasks-'));
  demo = await writeDemoDataset(path.join(dir, 'photos'), { count: IMAGES, seed: 23, minSize: 256, maxSize: 384 });
  workspace = Workspace.open(path.join(dir, 'data'));
}, 120_000);

afterAll(async () => {
  await workspace?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A generic label file (`file,label,group`) with the patient as the group. */
function writeGenericLabels(name: string, rows: Array<{ image: DemoImage; label: string }>): string {
  const file = path.join(dir, name);
  const lines = rows.map(({ image, label }) => `${path.basename(image.file)},${label},${patientGroup(image)}`);
  fs.writeFileSync(file, ['file,label,group', ...lines].join('\n') + '\n');
  return file;
}

async function importDemo(project: Project, labelsFile: string) {
  const report = await workspace.startImport({ project, folder: path.join(demo.dir, 'images'), labelsFile }).done;
  expect(report.imported).toBe(IMAGES);
  expect(report.labels!.problems).toEqual([]);
  return report;
}

/** No patient group has images in two folds. */
function foldsPerGroup(modelId: number, projectId: number): number[] {
  const groupOf = new Map(workspace.store.images.readable(projectId).map((i) => [i.id, i.groupId]));
  const folds = new Map<string, Set<number>>();
  for (const image of workspace.store.models.trainingImages(modelId)) {
    const group = groupOf.get(image.imageId)!;
    folds.set(group, (folds.get(group) ?? new Set()).add(image.fold));
  }
  return [...folds.values()].map((set) => set.size);
}

describe('training beyond ordinal DR grading', () => {
  it('trains a softmax head on a multiclass project imported from a generic label file', async () => {
    const project = workspace.store.projects.create('Skin', taskSpecFor('multiclass', SKIN_CLASSES));
    const labelsFile = writeGenericLabels('skin.csv', demo.images.map((image) => ({ image, label: skinClassOf(image.grade) })));
    const report = await importDemo(project, labelsFile);
    expect(report.labels!.applied).toBe(IMAGES);
    const images = workspace.store.images.readable(project.id);
    const byName = new Map(demo.images.map((i) => [path.basename(i.file), i]));
    // The group column replaced the group guessed from the file name.
    for (const image of images) expect(image.groupId).toBe(patientGroup(byName.get(path.basename(image.path))!));

    const { modelId, job } = workspace.startTraining(project, QUICK);
    await job.done;
    const model = workspace.store.models.get(modelId);
    expect(model.status).toBe('ready');
    expect(model.options.head).toBe('softmax');
    expect(model.preprocessing).toBe('dermoscopy-shades-of-grey-v1');
    expect(foldsPerGroup(modelId, project.id).every((n) => n === 1)).toBe(true);

    const evaluation = model.evaluation!;
    expect(evaluation.basis).toBe('out-of-fold');
    expect(evaluation.samples).toBe(IMAGES);
    expect(evaluation.groups).toBe(IMAGES / 2); // two eyes per synthetic patient
    expect(evaluation.classes).toEqual(SKIN_CLASSES);
    expect(evaluation.qwk).toBeNull(); // the classes are not ordered
    expect(evaluation.referable).toBeNull();
    // Macro-F1 over the three classes, each with support, from the confusion matrix by hand.
    const f1s = evaluation.confusion!.map((row, k) => (2 * row[k]!) / (row.reduce((a, b) => a + b, 0) + evaluation.confusion!.reduce((a, r) => a + r[k]!, 0)));
    expect(evaluation.macroF1!).toBeCloseTo(f1s.reduce((a, b) => a + b, 0) / 3, 12);
    expect(evaluation.balancedAccuracy!).toBeGreaterThan(0.55); // chance is 1/3; this run reaches about 0.75
    expect(evaluation.confusion).toHaveLength(3);
    expect(evaluation.confusion!.every((row) => row.length === 3)).toBe(true);
    expect(evaluation.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(IMAGES);
    // Rows are the reader's class: their sums are the class counts.
    const counts = SKIN_CLASSES.map((name) => demo.images.filter((i) => skinClassOf(i.grade) === name).length);
    expect(evaluation.confusion!.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(counts);

    const predictions = workspace.store.predictions.forModel(modelId);
    expect(predictions).toHaveLength(IMAGES);
    for (const prediction of predictions) {
      expect(prediction.probabilities).toHaveLength(3);
      expect(prediction.probabilities!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(prediction.predicted).toBe(prediction.probabilities!.indexOf(Math.max(...prediction.probabilities!)));
      expect(prediction.referable).toBeNull();
    }
  }, 150_000);

  it('trains a multilabel head with focal loss and per-label thresholds', async () => {
    const project = workspace.store.projects.create('Findings', taskSpecFor('multilabel', FINDINGS));
    // A generic label file cannot say "no findings" (an empty label is a malformed row), so grade-0 images
    // are left out of it and a reader marks them with the empty label set afterwards.
    const withFindings = demo.images.filter((image) => image.grade > 0);
    const labelsFile = writeGenericLabels('findings.csv', withFindings.map((image) => ({ image, label: findingsOf(image.grade).join(';') })));
    const report = await importDemo(project, labelsFile);
    expect(report.labels!.applied).toBe(withFindings.length);
    const reader = workspace.store.readers.ensure('Grader');
    const unlabelled = workspace.store.images.readable(project.id).filter((image) => image.label === null);
    expect(unlabelled).toHaveLength(IMAGES - withFindings.length);
    workspace.store.labels.recordMany(project.task, unlabelled.map((image) => ({ imageId: image.id, value: [], source: 'reader' as const, readerId: reader.id })));

    const { modelId, job } = workspace.startTraining(project, { ...QUICK, head: 'multilabel' });
    await job.done;
    const model = workspace.store.models.get(modelId);
    expect(model.status).toBe('ready');
    expect(model.options.focalGamma).toBeGreaterThan(0); // focal loss is the default
    expect(model.preprocessing).toBe('microscopy-contrast-v1');
    expect(foldsPerGroup(modelId, project.id).every((n) => n === 1)).toBe(true);

    const evaluation = model.evaluation!;
    expect(evaluation.basis).toBe('out-of-fold');
    expect(evaluation.samples).toBe(IMAGES);
    expect(evaluation.confusion).toBeNull();
    expect(evaluation.qwk).toBeNull();
    // Predicting every label everywhere scores the mean of 2p / (1 + p) over the labels' prevalences p.
    const prevalence = FINDINGS.map((_, k) => demo.images.filter((i) => i.grade > k).length / IMAGES);
    const allPositive = prevalence.reduce((sum, p) => sum + (2 * p) / (1 + p), 0) / FINDINGS.length;
    expect(allPositive).toBeCloseTo(0.55, 1);
    expect(evaluation.macroF1!).toBeGreaterThan(allPositive + 0.1); // this run reaches about 0.75
    expect(evaluation.perClass.map((row) => row.name)).toEqual(FINDINGS);
    for (const [k, row] of evaluation.perClass.entries()) {
      expect(row.support).toBe(Math.round(prevalence[k]! * IMAGES));
      expect(row.f1!).toBeGreaterThan(0);
      expect(row.threshold!).toBeGreaterThan(0);
      expect(row.threshold!).toBeLessThan(1);
    }
    expect(model.thresholds).toEqual(evaluation.perClass.map((row) => row.threshold));

    const predictions = workspace.store.predictions.forModel(modelId);
    expect(predictions).toHaveLength(IMAGES);
    for (const prediction of predictions) {
      expect(Array.isArray(prediction.predicted)).toBe(true);
      expect(prediction.probabilities).toHaveLength(FINDINGS.length);
      // A label is predicted exactly when its probability reaches the label's threshold.
      const expected = prediction.probabilities!.flatMap((p, k) => (p >= model.thresholds![k]! ? [k] : []));
      expect(prediction.predicted).toEqual(expected);
    }
  }, 150_000);

  describe('on a DR grading project', () => {
    let project: Project;

    beforeAll(async () => {
      project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
      await importDemo(project, demo.labelsFile);
    }, 60_000);

    it('trains a regression head whose cut points turn the regressed grade into grades', async () => {
      const { modelId, job } = workspace.startTraining(project, { ...QUICK, head: 'regression' });
      await job.done;
      const model = workspace.store.models.get(modelId);
      expect(model.status).toBe('ready');
      expect(model.preprocessing).toBe('fundus-ben-graham-v1');
      const cuts = model.thresholds!;
      expect(cuts).toHaveLength(4);
      for (let k = 1; k < cuts.length; k++) expect(cuts[k]!).toBeGreaterThan(cuts[k - 1]!);

      const evaluation = model.evaluation!;
      expect(evaluation.samples).toBe(IMAGES);
      expect(evaluation.qwk!).toBeGreaterThan(0.45); // this run reaches about 0.65
      expect(evaluation.referable!.auc!).toBeGreaterThan(0.8); // about 0.9
      expect(evaluation.calibration).toBeNull(); // no probabilities to calibrate

      const predictions = workspace.store.predictions.forModel(modelId);
      expect(predictions).toHaveLength(IMAGES);
      for (const prediction of predictions) {
        expect(prediction.probabilities).toBeNull();
        expect(prediction.referable).toBeNull();
        expect(typeof prediction.expected).toBe('number');
        // The grade is the number of cut points at or below the regressed value.
        expect(prediction.predicted).toBe(cuts.filter((cut) => prediction.expected! >= cut).length);
      }
      // The referable AUC ranks images by the regressed grade: recomputed here from the stored values.
      const grades = new Map(workspace.store.models.trainingImages(modelId).map((image) => [image.imageId, image.label as number]));
      const score = (expected: number) => Math.min(1, Math.max(0, expected / 4));
      const positives = predictions.filter((p) => grades.get(p.imageId)! >= 2).map((p) => score(p.expected!));
      const negatives = predictions.filter((p) => grades.get(p.imageId)! < 2).map((p) => score(p.expected!));
      const wins = positives.reduce((sum, p) => sum + negatives.reduce((s, n) => s + (p > n ? 1 : p === n ? 0.5 : 0), 0), 0);
      expect(evaluation.referable!.positives).toBe(positives.length);
      expect(evaluation.referable!.auc!).toBeCloseTo(wins / (positives.length * negatives.length), 6);
    }, 120_000);

    it('finds a learning rate from a sweep of growing rates', async () => {
      const finding = await workspace.startLearningRateFinder(project, { inputSize: 96 }).done;
      const rates = finding.points.map((p) => p.learningRate);
      expect(rates.length).toBeGreaterThanOrEqual(20);
      for (let i = 1; i < rates.length; i++) expect(rates[i]!).toBeGreaterThan(rates[i - 1]!);
      const losses = finding.points.map((p) => p.loss);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(Math.min(...losses)).toBeLessThan(0.7 * losses[0]!); // the sweep trains the head
      if (finding.suggested !== null) {
        expect(finding.suggested).toBeGreaterThanOrEqual(rates[0]!);
        expect(finding.suggested).toBeLessThanOrEqual(rates.at(-1)!);
      }
    }, 60_000);
  });
});
