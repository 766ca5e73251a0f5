// Predictions of a model for a set of images: test-time augmentation (the original and its flip)
// averaged within each fold model, fold models averaged into the ensemble, then decoded and stored.
// Head models take pooled backbone features; fine-tuned models take the backbone's cut activations;
// imported ONNX classifiers take the model-ready pixels themselves (imported-model.ts).
import type { Progress } from '../../../shared/jobs';
import type { ModelDetail, Prediction } from '../../../shared/ml';
import { GradedeskError } from '../../../shared/errors';
import { ProgressMeter } from '../../jobs/progress';
import { tf } from '../engine/backend';
import { featureContext, type Engine } from '../engine/engine';
import { refreshEnsemble } from './ensemble';
import { importedEnsemble } from './imported-model';
import { ensureFeatures, extractorKey, type FeatureContext, type ImageSource } from '../features/extract-features';
import type { ActivationContext } from '../training/fine-tune/activations-cache';
import { fineTunedEnsemble } from '../training/fine-tune/predict-fine-tuned';
import { featureRows, standardise } from '../training/head-data';
import { decodeOutput } from '../training/heads';
import type { FoldEnsemble } from './fold-ensemble';
import { loadFoldHead, readManifest, type LoadedHead, type ModelManifest } from './model-files';
import { TTA_VIEWS } from '../features/views';

const CHUNK = 256;

export interface PredictOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** A feature context already loaded for this model's backbone (training passes its own). */
  context?: FeatureContext;
  /** Fine-tuned models: the split backbone already loaded (training passes its own). */
  activations?: ActivationContext;
  /** Images that were in the model's training snapshot. */
  trainingImageIds?: ReadonlySet<number>;
}

/** How many images a prediction run predicted, and how many it could not read. */
export interface PredictionOutcome {
  predicted: number;
  failed: number;
}

export async function predictImages(
  engine: Engine,
  modelId: number,
  images: ReadonlyArray<ImageSource & { id: number }>,
  options: PredictOptions = {},
): Promise<PredictionOutcome> {
  const { store } = engine;
  const model = store.models.get(modelId);
  const dir = store.models.dir(modelId);
  const manifest = readManifest(dir);
  const ensemble = manifest.strategy === 'fine-tune'
    ? await fineTunedEnsemble(engine, model, manifest, dir, options.activations)
    : manifest.strategy === 'imported'
      ? await importedEnsemble(engine, model, manifest)
      : await headEnsemble(engine, model, manifest, dir, options.context);
  try {
    const extraction = await ensemble.prepare(images, options);
    const unreadable = new Set(extraction.failed.map((f) => f.sha256));
    const usable = images.filter((image) => !unreadable.has(image.sha256));
    const meter = new ProgressMeter('Predicting', usable.length);
    for (let start = 0; start < usable.length; start += CHUNK) {
      if (options.signal?.aborted) throw new GradedeskError('cancelled', 'Prediction was cancelled; the predictions made so far are kept.');
      const chunk = usable.slice(start, start + CHUNK);
      const outputs = await ensemble.outputs(chunk);
      store.predictions.save(
        chunk.map((image, i): Prediction => ({
          modelId,
          imageId: image.id,
          ...decodeOutput(manifest.head, outputs[i]!, manifest.thresholds, model.taskKind === 'dr-grade'),
          outOfFold: false,
          inTrainingSet: options.trainingImageIds?.has(image.id) ?? false,
        })),
      );
      meter.done += chunk.length;
      options.onProgress?.(meter.snapshot());
    }
    return { predicted: usable.length, failed: extraction.failed.length };
  } finally {
    ensemble.dispose();
  }
}

/** Fold heads on standardised pooled features, from the feature store. */
async function headEnsemble(engine: Engine, model: ModelDetail, manifest: ModelManifest, dir: string, provided: FeatureContext | undefined): Promise<FoldEnsemble> {
  const context = provided ?? (await featureContext(engine, model.backboneId, model.inputSize, model.taskKind, { features: model.options.features }));
  const heads: LoadedHead[] = [];
  const dispose = () => {
    heads.forEach(({ head }) => head.dispose());
    if (!provided) context.extractor.dispose();
  };
  try {
    for (let fold = 0; fold < manifest.heads.length; fold++) heads.push(await loadFoldHead(dir, fold));
  } catch (error) {
    dispose();
    throw error;
  }
  const key = extractorKey(context);
  const dim = context.extractor.featureDim;
  return {
    prepare: (images, options) => ensureFeatures(context, images, TTA_VIEWS, options),
    async outputs(images) {
      const raw = featureRows(engine.store.features, key, dim, images, TTA_VIEWS);
      const mean = tf.tidy(() => {
        const perHead = heads.map(({ head, standardisation }) => {
          const x = tf.tensor2d(standardise(raw, standardisation), [images.length * TTA_VIEWS.length, dim]);
          const outputs = head.predict(x) as tf.Tensor2D;
          return tf.mean(tf.reshape(outputs, [images.length, TTA_VIEWS.length, outputs.shape[1]]), 1);
        });
        return tf.mean(tf.stack(perHead), 0);
      });
      const outputs = (await mean.array()) as number[][];
      mean.dispose();
      return outputs;
    },
    dispose,
  };
}

/**
 * Predicts a project's images with a model (all, or the given ones). Images whose prediction came
 * from the fold that held them out keep it: the ensemble has seen their labels.
 */
export async function predictProject(
  engine: Engine,
  modelId: number,
  imageIds: readonly number[] | undefined,
  options: PredictOptions = {},
): Promise<PredictionOutcome> {
  const { store } = engine;
  const model = store.models.get(modelId);
  if (model.status !== 'ready') throw new GradedeskError('invalid', `Model ${modelId} is ${model.status}; only a finished model predicts.`);
  if (model.members) {
    // An ensemble: each member predicts what it has not yet, then the means are taken again.
    let failed = 0;
    for (const member of model.members) failed = Math.max(failed, (await predictProject(engine, member, imageIds, options)).failed);
    return { predicted: refreshEnsemble(store, model), failed };
  }
  const snapshot = store.models.trainingImages(modelId);
  const outOfFold = new Set(store.predictions.forModel(modelId, { outOfFoldOnly: true }).map((p) => p.imageId));
  const wanted = imageIds ? new Set(imageIds) : null;
  const images = store.images.readable(model.projectId).filter((image) => (!wanted || wanted.has(image.id)) && !outOfFold.has(image.id));
  return predictImages(engine, modelId, images, { ...options, trainingImageIds: new Set(snapshot.map((s) => s.imageId)) });
}
