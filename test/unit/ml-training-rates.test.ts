// The rates behind the Train view's estimate: each strategy and input size's newest finished run,
// in seconds per training image per epoch, its first epoch (a GPU's shader warm-up) left out.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { measuredRates } from '../../src/main/ml/training/training-rates';
import { Store } from '../../src/main/store';
import { taskSpecFor } from '../../src/shared/domain';
import { defaultTrainOptions, type TrainOptions } from '../../src/shared/ml';
import { newImage } from '../fixtures/store-rows';

let root: string;
let store: Store;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-rates-'));
  store = Store.open(root);
});
afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** A finished 5-fold run on 100 images (80 per fold epoch) whose epochs took `seconds` each. */
function finishedRun(projectId: number, name: string, options: Partial<TrainOptions>, seconds: number[], status: 'ready' | 'failed' = 'ready'): number {
  const modelId = store.models.create({
    projectId,
    name,
    taskKind: 'dr-grade',
    classes: ['0', '1', '2', '3', '4'],
    options: { ...defaultTrainOptions('dr-grade'), ...options },
    preprocessing: 'none',
    modelsDir: root,
  });
  const imageIds = store.images.readable(projectId).map((image) => image.id);
  store.models.saveTrainingImages(modelId, imageIds.map((imageId, i) => ({ imageId, label: i % 5, fold: i % 5 })));
  seconds.forEach((s, i) => store.models.recordEpoch(modelId, { fold: 1, epoch: i + 1, trainLoss: 1, validationLoss: 1, validationMetric: 0.5, learningRate: 0.001, seconds: s }));
  store.models.finish(modelId, { status });
  return modelId;
}

describe('measured training rates', () => {
  it('takes the newest finished run of each strategy and size, without its first epoch', () => {
    const project = store.projects.create('Retina', taskSpecFor('dr-grade'));
    for (let i = 0; i < 100; i++) store.images.insert(newImage(project.id, `${i}_left.jpeg`));
    finishedRun(project.id, 'old head', { strategy: 'head', inputSize: 224 }, [9, 8, 8]);
    const newest = finishedRun(project.id, 'new head', { strategy: 'head', inputSize: 224 }, [30, 4, 4]);
    finishedRun(project.id, 'broken', { strategy: 'head', inputSize: 224 }, [1, 1], 'failed');
    const tuned = finishedRun(project.id, 'tuned', { strategy: 'fine-tune', inputSize: 384 }, [60, 16]);

    const rates = measuredRates(store);
    expect(rates).toHaveLength(2);
    // 4 s per epoch of 80 training images (100 in 5 folds), the 30-s warm-up epoch left out.
    expect(rates.find((r) => r.strategy === 'head')).toEqual({ strategy: 'head', inputSize: 224, secondsPerImageEpoch: 0.05, modelId: newest, modelName: 'new head' });
    expect(rates.find((r) => r.strategy === 'fine-tune')).toMatchObject({ inputSize: 384, secondsPerImageEpoch: 0.2, modelId: tuned });
  });
});
