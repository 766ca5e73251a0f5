// The head's warm-up before fine-tuning: the fold's head first trains alone, as a head-only model does
// (its epochs, schedule and early stopping), on the pooled features of the pretrained top. That is cheap,
// since no backbone block runs. Measured on an H200, a fine-tuning run whose head trained alone for only
// the first share of a few epochs did worse than head-only on the same folds (QWK 0.235 against 0.319):
// a likely cause is that the blocks started training while the head still guessed, so that their first
// gradients came from a random head.
// The warm head also gives the fold a floor: the fine-tuned network must beat it on validation.
import type { HeadKind, TrainOptions } from '../../../../shared/ml';
import { tf } from '../../engine/backend';
import { trainHead, predictAveraged, weightValues, type TrainingRows, type ValidationRows } from '../train-head';

/** The head-only defaults (`defaultTrainOptions`): the warm-up trains the head as a head-only run would. */
export const HEAD_WARM_UP: Pick<TrainOptions, 'epochs' | 'schedule' | 'earlyStoppingPatience'> = {
  epochs: 30,
  schedule: 'one-cycle',
  earlyStoppingPatience: 8,
};

export interface HeadWarmUp {
  kind: HeadKind;
  classCount: number;
  options: Pick<TrainOptions, 'batchSize' | 'learningRate' | 'balancedSampling' | 'focalGamma'>;
  seed: number;
  /** Standardised pooled features of the training rows. */
  train: TrainingRows;
  /** Standardised pooled features of the validation images' views, or none. */
  validation: ValidationRows | null;
  metric: ((outputs: number[][]) => number) | null;
  signal?: AbortSignal;
}

export interface WarmHead {
  /** The trained head's weights, in the order of `buildHead`'s layers. */
  weights: Float32Array[];
  /** The validation metric of the warm head alone (null without validation rows or metric). */
  metric: number | null;
}

export async function warmUpHead(job: HeadWarmUp): Promise<WarmHead> {
  const { head } = await trainHead({
    kind: job.kind,
    classCount: job.classCount,
    options: { ...job.options, ...HEAD_WARM_UP },
    seed: job.seed,
    train: job.train,
    validation: job.validation,
    metric: job.metric,
    ...(job.signal ? { signal: job.signal } : {}),
  });
  try {
    return { weights: await weightValues(head), metric: await validationMetric(head, job) };
  } finally {
    head.dispose();
  }
}

async function validationMetric(head: tf.LayersModel, job: HeadWarmUp): Promise<number | null> {
  const validation = job.validation;
  if (!validation || !job.metric || validation.targets.length === 0) return null;
  const x = tf.tensor2d(validation.x, [validation.x.length / job.train.dim, job.train.dim]);
  const averaged = predictAveraged(head, x, validation.views);
  const outputs = (await averaged.array()) as number[][];
  tf.dispose([x, averaged]);
  return job.metric(outputs);
}
