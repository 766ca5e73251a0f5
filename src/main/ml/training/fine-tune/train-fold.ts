// One fold of a fine-tuning run: a fresh top of the backbone and a head on its standardised pooled
// features. The head warms up alone on those features; then top and head train together on the fold's
// cached cut activations. The fold keeps the warm head on the pretrained top when fine-tuning did not
// beat it on validation. Last, the fold's validation outputs.
import { GradedeskError } from '../../../../shared/errors';
import type { TrainOptions } from '../../../../shared/ml';
import type { TrainingControl } from '../epoch-driver';
import { tf } from '../../engine/backend';
import { classWeights, trainingRows, validationRows, type LabelledImage } from '../head-data';
import type { Standardisation } from '../../models/model-files';
import { TTA_VIEWS, type ImageView } from '../../features/views';
import { createRandom } from '../../../util/random';
import { augmentedActivations, readActivations, type ActivationContext } from './activations-cache';
import type { PixelAugmentation } from './pixel-augmentation';
import { headStandardisation, standardise } from '../head-data';
import { buildNetwork, pooledFeatures } from './network';
import { averagedOutputs, trainTop, type FineTuneEpoch } from './train-top';
import { warmUpHead } from './warm-head';

export interface FineTuneFoldJob extends TrainingControl<FineTuneEpoch> {
  activations: ActivationContext;
  options: TrainOptions;
  classCount: number;
  seed: number;
  trainSet: ReadonlyArray<LabelledImage & { path: string }>;
  validationSet: readonly LabelledImage[];
  /** Training views (the original and the augmentations), each a row with cached activations. */
  views: readonly ImageView[];
  /**
   * Random pixel augmentations drawn at every step instead of the cached views (each image one row):
   * the lower backbone then runs on every batch, which is affordable on a GPU.
   */
  pixelAugmentation?: PixelAugmentation | null;
  metric: ((outputs: number[][]) => number) | null;
}

export interface FineTunedFold {
  /** Cut activations → head outputs; the caller saves and disposes it. */
  model: tf.LayersModel;
  /** The standardisation built into the model (its feature_standardisation layer). */
  standardisation: Standardisation;
  /** Validation images' raw outputs, test-time views averaged, by image id. */
  outputs: Map<number, number[]>;
  bestEpoch: number;
  stoppedEarly: boolean;
  /** Validation metric of the warmed-up head alone and of the fine-tuned network (null without a metric). */
  validation: { warmHead: number | null; fineTuned: number | null };
  /** No fine-tuned epoch beat the warm head on validation: the fold is the pretrained top with the warm head. */
  keptWarmHead: boolean;
}

const POOL_CHUNK = 64;

export async function fineTuneFold(job: FineTuneFoldJob): Promise<FineTunedFold> {
  const { activations, options } = job;
  const augmentation = job.pixelAugmentation ?? null;
  const views = trainingRowViews(job);
  const rows = job.trainSet.flatMap((image) => views.map((view) => ({ image, view })));
  if (rows.length === 0) throw new GradedeskError('invalid', 'There are no training images in this fold.');
  const top = await activations.split.loadTop();
  let pooled: Float32Array;
  let pooledValidation: Float32Array;
  try {
    // The standardisation comes from the pretrained top, so a resumed fold computes the same one.
    pooled = await pooledRows(top, activations, rows.map(({ image, view }) => ({ sha256: image.sha256, view })));
    pooledValidation = await pooledRows(top, activations, job.validationSet.flatMap((image) => TTA_VIEWS.map((view) => ({ sha256: image.sha256, view }))));
  } catch (error) {
    top.dispose();
    throw error;
  }
  const dim = pooled.length / rows.length;
  const standardisation = headStandardisation(pooled, dim);
  // Resumed runs draw other augmentations than the interrupted run did; nothing else depends on them.
  const random = createRandom(job.seed * 7919 + (job.resume?.epoch ?? 0));
  const network = buildNetwork(top, activations.split.blocks, options.head, job.classCount, job.seed, standardisation);
  try {
    const { x: _x, dim: _dim, ...targets } = trainingRows(
      pooled,
      dim,
      job.trainSet,
      views.length,
      options.head,
      job.classCount,
      classWeights(job.trainSet.map((i) => i.label), job.classCount, options.classWeights),
    );
    const { x: _vx, ...validationTargets } = validationRows(new Float32Array(0), job.validationSet, TTA_VIEWS.length, options.head, job.classCount);
    const validationImages = job.validationSet;
    // Deterministic, so a resumed fold warms up to the same head (its checkpoint then sets the weights).
    const warm = await warmUpHead({
      kind: options.head,
      classCount: job.classCount,
      options,
      seed: job.seed,
      train: { ...targets, x: standardise(pooled, standardisation), dim },
      validation: validationImages.length > 0 ? { ...validationTargets, x: standardise(pooledValidation, standardisation) } : null,
      metric: job.metric,
      ...(job.signal ? { signal: job.signal } : {}),
    });
    tf.tidy(() => network.head.setWeights(warm.weights.map((values, i) => tf.tensor(values, network.head.weights[i]!.shape as number[]))));
    const warmStart = await network.getWeights();
    const validation = {
      ...validationTargets,
      images: validationImages.length,
      input: (from: number, to: number) =>
        readActivations(activations, validationImages.slice(from, to).flatMap((image) => TTA_VIEWS.map((view) => ({ sha256: image.sha256, view })))),
    };
    const trained = await trainTop({
      kind: options.head,
      classCount: job.classCount,
      options,
      seed: job.seed,
      network,
      headWarmedUp: true,
      train: {
        ...targets,
        input: augmentation
          ? (batch) => augmentedActivations(activations, Array.from(batch, (row) => rows[row]!.image), augmentation, random)
          : (batch) => readActivations(activations, Array.from(batch, (row) => ({ sha256: rows[row]!.image.sha256, view: rows[row]!.view }))),
      },
      validation: validationImages.length > 0 ? validation : null,
      metric: job.metric,
      ...(job.resume ? { resume: job.resume } : {}),
      ...(job.signal ? { signal: job.signal } : {}),
      ...(job.onBatch ? { onBatch: job.onBatch } : {}),
      ...(job.onEpoch ? { onEpoch: job.onEpoch } : {}),
    });
    let outputs = await averagedOutputs(network, validation);
    const fineTuned = job.metric && validationImages.length > 0 ? job.metric(outputs) : null;
    // A diverged network (NaN outputs) counts as worse than the warm head.
    const keptWarmHead = warm.metric !== null && Number.isFinite(warm.metric) && fineTuned !== null && !(fineTuned >= warm.metric);
    if (keptWarmHead) {
      network.setWeights(warmStart);
      outputs = await averagedOutputs(network, validation);
    }
    return {
      model: network.model,
      standardisation,
      outputs: new Map(validationImages.map((image, i) => [image.id, outputs[i]!])),
      bestEpoch: trained.bestEpoch,
      stoppedEarly: trained.stoppedEarly,
      validation: { warmHead: warm.metric, fineTuned },
      keptWarmHead,
    };
  } catch (error) {
    network.dispose();
    throw error;
  }
}

/** The views that make training rows: the cached ones, or only the original when pixels are augmented at every step. */
export function trainingRowViews(job: Pick<FineTuneFoldJob, 'views' | 'pixelAugmentation'>): readonly ImageView[] {
  return job.pixelAugmentation ? ['original'] : job.views;
}

/** Pooled feature-layer maps of (image, view) rows with the top's current weights: rows × dim. */
async function pooledRows(top: tf.LayersModel, activations: ActivationContext, rows: ReadonlyArray<{ sha256: string; view: ImageView }>): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (let from = 0; from < rows.length; from += POOL_CHUNK) {
    const x = readActivations(activations, rows.slice(from, from + POOL_CHUNK));
    const pooled = pooledFeatures(top, x);
    parts.push((await pooled.data()) as Float32Array);
    tf.dispose([x, pooled]);
  }
  const out = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) out.set(part, (offset += part.length) - part.length);
  return out;
}
