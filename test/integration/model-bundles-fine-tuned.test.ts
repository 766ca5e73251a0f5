// A fine-tuned model's bundle: its fold models take the backbone's cut activations, which the importing
// data directory computes itself. Trained and predicted in this process on tfjs's cpu backend (wasm has
// no affordable convolution gradients), so both sides run on the same backend.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/main/app';
import { Workspace } from '../../src/main/app/workspace';
import { writeDemoDataset } from '../../src/main/demo/dataset';
import { initBackend } from '../../src/main/ml/engine/backend';
import { readManifest } from '../../src/main/ml/models/model-files';
import { predictProject } from '../../src/main/ml/models/predict';
import { runTraining } from '../../src/main/ml/training/training-run';
import { prepareModel } from '../../src/main/ml/training/training-snapshot';
import { taskSpecFor } from '../../src/shared/domain';

const saved = { backend: process.env.GRADEDESK_BACKEND, fineTune: process.env.GRADEDESK_FINE_TUNE_ON_CPU };
let root: string;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  process.env.GRADEDESK_BACKEND = 'cpu';
  process.env.GRADEDESK_FINE_TUNE_ON_CPU = '1';
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-bundles-fine-tuned-'));
}, 60_000);

afterAll(async () => {
  for (const [name, value] of [['GRADEDESK_BACKEND', saved.backend], ['GRADEDESK_FINE_TUNE_ON_CPU', saved.fineTune]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  for (const workspace of workspaces) await workspace.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

async function dataDirWithPhotos(name: string, folder: string, labelsFile: string) {
  const workspace = Workspace.open(path.join(root, name));
  workspaces.push(workspace);
  const project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
  await workspace.startImport({ project, folder, labelsFile }).done;
  return { workspace, project, app: createApp(workspace) };
}

const byPhoto = (workspace: Workspace, projectId: number, modelId: number) => {
  const sha = new Map(workspace.store.images.readable(projectId).map((image) => [image.id, image.sha256]));
  return new Map(workspace.store.predictions.forModel(modelId).map(({ modelId: _m, imageId, ...p }) => [sha.get(imageId)!, p]));
};

it('imported into another data directory predicts what it predicted at home', async () => {
  const demo = await writeDemoDataset(path.join(root, 'photos'), { count: 12, seed: 5, minSize: 128, maxSize: 192 });
  // Two photographs left ungraded, so that the imported model has images to predict that it never saw.
  const labels = fs.readFileSync(demo.labelsFile, 'utf8').trimEnd().split('\n');
  const labelsFile = path.join(root, 'labels.csv');
  fs.writeFileSync(labelsFile, `${labels.slice(0, -2).join('\n')}\n`);
  const home = await dataDirWithPhotos('home', path.join(demo.dir, 'images'), labelsFile);
  const away = await dataDirWithPhotos('away', path.join(demo.dir, 'images'), labelsFile);

  const modelId = prepareModel(home.workspace.store, home.workspace.engine.modelsDir, home.project, {
    strategy: 'fine-tune', inputSize: 96, epochs: 2, batchSize: 16, augmentations: [], unfreezeBlocks: 1, earlyStoppingPatience: null, validation: { kind: 'k-fold', folds: 2 },
  });
  await runTraining(home.workspace.engine, modelId);
  const file = path.join(root, 'fine-tuned.gdmodel');
  await home.app.models.exportBundle({ modelId, file });
  const imported = await away.app.models.importBundle({ projectId: away.project.id, file });
  expect(imported).toMatchObject({ strategy: 'fine-tune', status: 'ready', trainingImages: 10 });
  expect(readManifest(away.workspace.store.models.dir(imported.id))).toMatchObject({ strategy: 'fine-tune', cutLayer: 'block_15_add' });
  expect(await predictProject(away.workspace.engine, imported.id, undefined)).toEqual({ predicted: 2, failed: 0 });

  const [mine, theirs] = [byPhoto(home.workspace, home.project.id, modelId), byPhoto(away.workspace, away.project.id, imported.id)];
  expect([...theirs.keys()].sort()).toEqual([...mine.keys()].sort());
  for (const [photo, prediction] of mine) {
    expect(theirs.get(photo)!.predicted).toEqual(prediction.predicted);
    prediction.probabilities!.forEach((p, k) => expect(Math.abs(theirs.get(photo)!.probabilities![k]! - p)).toBeLessThanOrEqual(1e-6));
  }
}, 300_000);
