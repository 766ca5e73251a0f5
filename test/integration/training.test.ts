// Training on the generated demo photographs, end to end through the worker-thread job: the pipeline
// must learn visual signal (lesions), measured on synthetic patients each fold did not train on.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSpecFor, type Project } from '../../src/shared/domain';
import sharp from 'sharp';
import { writeDemoDataset } from '../../src/main/demo/dataset';
import { createEnsemble } from '../../src/main/ml/models/ensemble';
import { renderGradCams } from '../../src/main/ml/explain/gradcam-render';
import { exportModelTo } from '../../src/main/ml/models/model-export';
import { DATABASE_FILE_NAME } from '../../src/main/store/database';
import { Workspace } from '../../src/main/app/workspace';
import type { TrainOptions } from '../../src/shared/ml';

const IMAGES = 240;
/** Small input and few epochs: about a minute on two cores, most of it feature extraction. */
const QUICK: Partial<TrainOptions> = { inputSize: 128, epochs: 20, validation: { kind: 'k-fold', folds: 5 } };

let dir: string;
let workspace: Workspace;
let project: Project;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-training-'));
  const demo = await writeDemoDataset(path.join(dir, 'photos'), { count: IMAGES, seed: 11, minSize: 256, maxSize: 448 });
  workspace = Workspace.open(path.join(dir, 'data'));
  project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
  await workspace.startImport({ project, folder: path.join(demo.dir, 'images'), labelsFile: demo.labelsFile }).done;
}, 120_000);

afterAll(async () => {
  await workspace?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('training on the demo photographs', () => {
  let modelId: number;
  let resumedId: number;

  it('reaches QWK ≥ 0.8 out of fold, grouped by patient, and predicts every image', async () => {
    const started = workspace.startTraining(project, QUICK);
    modelId = started.modelId;
    const phases = new Set<string>();
    workspace.jobs.on('progress', (info) => info.id === started.job.info.id && info.progress && phases.add(info.progress.phase.replace(/ \d+ of \d+/, '')));
    const outcome = await started.job.done;
    expect(outcome).toMatchObject({ modelId, resumedFromEpoch: 0, resumedFromFold: 0 });
    expect([...phases]).toEqual(expect.arrayContaining(['Extracting features', 'Training fold']));

    const model = workspace.store.models.get(modelId);
    expect(model.status).toBe('ready');
    expect(model.active).toBe(true);
    const evaluation = model.evaluation!;
    expect(evaluation.basis).toBe('out-of-fold');
    expect(evaluation.samples).toBe(IMAGES);
    expect(evaluation.groups).toBe(IMAGES / 2); // two eyes per synthetic patient
    expect(evaluation.qwk!).toBeGreaterThanOrEqual(0.8);
    expect(evaluation.referable!.auc!).toBeGreaterThan(0.9);
    expect(evaluation.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(IMAGES);

    // No patient is in two folds.
    const folds = new Map<string, Set<number>>();
    const groupOf = new Map(workspace.store.images.readable(project.id).map((i) => [i.id, i.groupId]));
    for (const image of workspace.store.models.trainingImages(modelId)) {
      const group = groupOf.get(image.imageId)!;
      folds.set(group, (folds.get(group) ?? new Set()).add(image.fold));
    }
    expect([...folds.values()].every((set) => set.size === 1)).toBe(true);

    // Every labelled image carries its out-of-fold prediction; the grid sorts by P(referable).
    const predictions = workspace.store.predictions.forModel(modelId);
    expect(predictions).toHaveLength(IMAGES);
    expect(predictions.every((p) => p.outOfFold && p.inTrainingSet)).toBe(true);
    const page = workspace.store.images.page(project.task, { projectId: project.id, sort: 'referable', descending: true, limit: IMAGES });
    const referable = page.rows.map((row) => row.prediction!.referable!);
    expect(referable).toEqual([...referable].sort((a, b) => b - a));
    const topGrades = page.rows.slice(0, 40).map((row) => row.label as number);
    expect(topGrades.filter((grade) => grade >= 2).length).toBeGreaterThanOrEqual(36);
  }, 240_000);

  it('renders Grad-CAM maps for the predicted class by default, and different maps for another class', async () => {
    const severe = workspace.store.images.readable(project.id).filter((image) => (image.label as number) >= 3).slice(0, 3);
    const predicted = await renderGradCams(workspace.engine, modelId, severe.map((image) => image.id), null);
    const other = await renderGradCams(workspace.engine, modelId, [severe[0]!.id], 0);
    for (const [i, rendered] of predicted.entries()) {
      expect(rendered.targetClass).toBe(workspace.store.predictions.forImage(modelId, severe[i]!.id)!.predicted);
      const heat = await sharp(rendered.heatmap).raw().toBuffer({ resolveWithObject: true });
      expect(heat.info).toMatchObject({ width: 448, height: 448, channels: 4 });
      const alpha = Array.from({ length: heat.data.length / 4 }, (_, p) => heat.data[p * 4 + 3]!);
      expect(alpha.reduce((a, b) => Math.max(a, b))).toBeGreaterThan(200); // a hot region exists
      expect(alpha.filter((a) => a > 128).length / alpha.length).toBeLessThan(0.6); // and it is not everywhere
      expect((await sharp(rendered.input).metadata()).width).toBe(448);
    }
    expect(other[0]!.targetClass).toBe(0);
    expect(other[0]!.heatmap).not.toBe(predicted[0]!.heatmap);
    expect(fs.readFileSync(other[0]!.heatmap).equals(fs.readFileSync(predicted[0]!.heatmap))).toBe(false);
  }, 120_000);

  it('predicts images added later with the fold ensemble, saying they were not in the training set', async () => {
    const extra = await writeDemoDataset(path.join(dir, 'later'), { count: 6, seed: 99, minSize: 256, maxSize: 320 });
    await workspace.startImport({ project, folder: path.join(extra.dir, 'images') }).done;
    const result = await workspace.startPrediction(project).done;
    expect(result).toMatchObject({ predicted: 6, failed: 0 });
    const added = workspace.store.images.readable(project.id).filter((image) => image.label === null);
    expect(added).toHaveLength(6);
    for (const image of added) {
      const prediction = workspace.store.predictions.forImage(modelId, image.id)!;
      expect(prediction).toMatchObject({ outOfFold: false, inTrainingSet: false });
      expect(prediction.probabilities!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  }, 120_000);

  it('resumes a run from its last checkpoint after the training process was killed', async () => {
    const dataDir = path.join(dir, 'data');
    const cli = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', './test/support/module-path-hooks.mjs', 'src/main/cli.ts', '--data', dataDir,
        'train', '--project', 'Screening', '--size', '128', '--epochs', '120', '--patience', '0', '--folds', '2', '--name', 'killed'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // Wait until the first fold has a few epochs on disk, then kill the process outright.
    const database = new Database(path.join(dataDir, DATABASE_FILE_NAME), { readonly: true });
    const epochsOf = (id: number) =>
      database.prepare('SELECT fold, epoch, seconds FROM model_epochs WHERE model_id = ? ORDER BY fold, epoch').all(id) as Array<{ fold: number; epoch: number; seconds: number }>;
    const killedId = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const row = database.prepare("SELECT id FROM models WHERE name = 'killed'").get() as { id: number } | undefined;
        if (row && epochsOf(row.id).length >= 5) {
          clearInterval(timer);
          cli.kill('SIGKILL');
          resolve(row.id);
        }
      }, 20);
      cli.on('exit', (code, signal) => signal !== 'SIGKILL' && (clearInterval(timer), reject(new Error(`training ended before it was killed (${code})`))));
    });
    await new Promise((resolve) => (cli.exitCode !== null || cli.signalCode !== null ? resolve(null) : cli.on('exit', resolve)));
    const before = epochsOf(killedId);
    database.close();
    expect(workspace.store.models.get(killedId).status).toBe('interrupted');

    resumedId = killedId;
    const outcome = await workspace.resumeTraining(killedId).done;
    expect(outcome.resumedFromFold).toBe(0);
    expect(outcome.resumedFromEpoch).toBeGreaterThanOrEqual(5);
    expect(outcome.resumedFromEpoch).toBeLessThanOrEqual(before.length);

    const model = workspace.store.models.get(killedId);
    expect(model.status).toBe('ready');
    expect(model.epochs.filter((e) => e.fold === 1).map((e) => e.epoch)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(model.epochs.filter((e) => e.fold === 2)).toHaveLength(120);
    // The epochs finished before the kill were kept, not trained again.
    const kept = model.epochs.filter((e) => e.fold === 1 && e.epoch <= outcome.resumedFromEpoch);
    expect(kept.map((e) => e.seconds)).toEqual(before.slice(0, outcome.resumedFromEpoch).map((e) => e.seconds));
  }, 300_000);

  it('averages chosen models into an ensemble, evaluated on images no member trained on', async () => {
    const ensemble = createEnsemble(workspace.store, workspace.engine.modelsDir, [modelId, resumedId]);
    expect(ensemble).toMatchObject({ status: 'ready', strategy: 'ensemble', members: [modelId, resumedId] });
    const [a, b, mean] = [modelId, resumedId, ensemble.id].map((id) => new Map(workspace.store.predictions.forModel(id).map((p) => [p.imageId, p])));
    expect(mean.size).toBe(IMAGES + 6);
    for (const [imageId, prediction] of mean) {
      const expected = a.get(imageId)!.probabilities!.map((p, k) => (p + b.get(imageId)!.probabilities![k]!) / 2);
      prediction.probabilities!.forEach((p, k) => expect(p).toBeCloseTo(expected[k]!, 5));
    }
    const evaluation = workspace.store.models.get(ensemble.id).evaluation!;
    expect(evaluation).toMatchObject({ basis: 'out-of-fold', samples: IMAGES });
    expect(evaluation.qwk!).toBeGreaterThan(0.7);
    expect(() => createEnsemble(workspace.store, workspace.engine.modelsDir, [modelId])).toThrow(/at least two/);

    const exported = exportModelTo(workspace.store, ensemble.id, path.join(dir, 'export'));
    expect(exported.files).toContain('gradedesk-ensemble.json');
    expect(exported.files).toContain(path.join(`member-${modelId}`, 'fold-0', 'weights.bin'));
    expect(fs.existsSync(path.join(dir, 'export', `member-${resumedId}`, 'gradedesk-model.json'))).toBe(true);
  });
});