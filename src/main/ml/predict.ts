// Predictions of a model for a set of images: test-time augmentation (the original and its flip)
// averaged within each fold head, fold heads averaged into the ensemble, then decoded and stored.
import type { Progress } from '../../shared/jobs';
import type { Prediction } from '../../shared/ml';
import { GradedeskError } from '../../shared/errors';
import { ProgressMeter } from '../jobs/progress';
import { tf } from './backend';
import { featureContext, type Engine } from './engine';
import { ensureFeatures, extractorKey, type FeatureContext, type ImageSource } from './extract-features';
import { featureRows, standardise } from './head-data';
import { decodeOutput } from './heads';
import { loadFoldHead, readManifest, type LoadedHead } from './model-files';
import { TTA_VIEWS } from './views';

const CHUNK = 256;

export interface PredictOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** A feature context already loaded for this model's backbone (training passes its own). */
  context?: FeatureContext;
  /** Images that were in the model's training snapshot. */
  trainingImageIds?: ReadonlySet<number>;
}

export async function predictImages(
  engine: Engine,
  modelId: number,
  images: ReadonlyArray<ImageSource & { id: number }>,
  options: PredictOptions = {},
): Promise<{ predicted: number; failed: number }> {
  const { store } = engine;
  const model = store.models.get(modelId);
  const dir = store.models.dir(modelId);
  const manifest = readManifest(dir);
  const context = options.context ?? (await featureContext(engine, model.backboneId, model.inputSize, model.taskKind));
  const heads: LoadedHead[] = [];
  try {
    for (let fold = 0; fold < manifest.heads.length; fold++) heads.push(await loadFoldHead(dir, fold));
    const extraction = await ensureFeatures(context, images, TTA_VIEWS, options);
    const unreadable = new Set(extraction.failed.map((f) => f.sha256));
    const usable = images.filter((image) => !unreadable.has(image.sha256));
    const key = extractorKey(context);
    const dim = context.extractor.featureDim;
    const meter = new ProgressMeter('Predicting', usable.length);
    for (let start = 0; start < usable.length; start += CHUNK) {
      if (options.signal?.aborted) throw new GradedeskError('cancelled', 'Prediction was cancelled; the predictions made so far are kept.');
      const chunk = usable.slice(start, start + CHUNK);
      const raw = featureRows(store.features, key, dim, chunk, TTA_VIEWS);
      const ensemble = tf.tidy(() => {
        const perHead = heads.map(({ head, standardisation }) => {
          const x = tf.tensor2d(standardise(raw, standardisation), [chunk.length * TTA_VIEWS.length, dim]);
          const outputs = head.predict(x) as tf.Tensor2D;
          return tf.mean(tf.reshape(outputs, [chunk.length, TTA_VIEWS.length, outputs.shape[1]]), 1);
        });
        return tf.mean(tf.stack(perHead), 0).arraySync() as number[][];
      });
      store.predictions.save(
        chunk.map((image, i): Prediction => ({
          modelId,
          imageId: image.id,
          ...decodeOutput(manifest.head, ensemble[i]!, manifest.thresholds, model.taskKind === 'dr-grade'),
          outOfFold: false,
          inTrainingSet: options.trainingImageIds?.has(image.id) ?? false,
        })),
      );
      meter.done += chunk.length;
      options.onProgress?.(meter.snapshot());
    }
    return { predicted: usable.length, failed: extraction.failed.length };
  } finally {
    heads.forEach(({ head }) => head.dispose());
    if (!options.context) context.extractor.dispose();
  }
}

/**
 * Predicts a project's images with a model (all, or the given ones). Images whose prediction came
 * from the fold that held them out keep it: the ensemble has seen their labels.
 */
export async function predictProject(engine: Engine, modelId: number, imageIds: readonly number[] | undefined, options: PredictOptions = {}) {
  const { store } = engine;
  const model = store.models.get(modelId);
  if (model.status !== 'ready') throw new GradedeskError('invalid', `Model ${modelId} is ${model.status}; only a finished model predicts.`);
  const snapshot = store.models.trainingImages(modelId);
  const outOfFold = new Set(store.predictions.forModel(modelId, { outOfFoldOnly: true }).map((p) => p.imageId));
  const wanted = imageIds ? new Set(imageIds) : null;
  const images = store.images.readable(model.projectId).filter((image) => (!wanted || wanted.has(image.id)) && !outOfFold.has(image.id));
  return predictImages(engine, modelId, images, { ...options, trainingImageIds: new Set(snapshot.map((s) => s.imageId)) });
}
