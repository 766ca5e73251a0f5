// Trains one head on cached features: mini-batches with a per-batch learning-rate schedule, class
// weights or balanced sampling, a validation metric per epoch, early stopping that keeps the best
// epoch's weights, and a checkpoint after every epoch from which training resumes.
import { GradedeskError } from '../../shared/errors';
import type { EpochRecord, HeadKind, TrainOptions } from '../../shared/ml';
import { createRandom } from '../demo/random';
import { tf } from './backend';
import { buildHead, lossPerSample } from './heads';
import { learningRateAt } from './schedules';

/** Training rows: one per (image, view), features standardised. */
export interface TrainingRows {
  x: Float32Array;
  dim: number;
  /** rows × outputs */
  targets: Float32Array;
  outputs: number;
  /** Per-row loss weight (class weights). */
  weights: Float32Array;
  /** Per-row class, for balanced sampling. */
  strata: Int32Array;
}

export interface ValidationRows {
  /** images × views rows, views of one image adjacent: their outputs are averaged (test-time augmentation). */
  x: Float32Array;
  views: number;
  targets: Float32Array;
  weights: Float32Array;
}

export interface HeadCheckpoint {
  /** Epochs completed. */
  epoch: number;
  weights: Float32Array[];
  optimizer: Array<{ name: string; shape: number[]; values: Float32Array }>;
  best: { epoch: number; metric: number; weights: Float32Array[] } | null;
  epochsWithoutImprovement: number;
}

/** One finished epoch of a fold: the stored epoch record without its fold number. */
export type EpochResult = Omit<EpochRecord, 'fold'>;

export interface HeadTraining {
  kind: HeadKind;
  classCount: number;
  options: Pick<TrainOptions, 'epochs' | 'batchSize' | 'learningRate' | 'schedule' | 'balancedSampling' | 'earlyStoppingPatience' | 'focalGamma'>;
  seed: number;
  train: TrainingRows;
  validation: ValidationRows | null;
  /** Higher is better; from the averaged validation outputs (images × outputs). */
  metric: ((outputs: number[][]) => number) | null;
  resume?: HeadCheckpoint;
  signal?: AbortSignal;
  onBatch?: (batch: number, batches: number, loss: number, learningRate: number) => void;
  /** After each epoch, with a function that captures the checkpoint to save. */
  onEpoch?: (result: EpochResult, checkpoint: () => Promise<HeadCheckpoint>) => Promise<void> | void;
}

export interface TrainedHead {
  head: tf.Sequential;
  /** The epoch whose weights the head keeps (the best validation metric, or the last). */
  bestEpoch: number;
  stoppedEarly: boolean;
}

export async function trainHead(job: HeadTraining): Promise<TrainedHead> {
  const { train, options } = job;
  const rows = train.x.length / train.dim;
  if (rows === 0) throw new GradedeskError('invalid', 'There are no training images in this fold.');
  const head = buildHead(job.kind, train.dim, job.classCount, job.seed);
  const optimizer = tf.train.adam(options.learningRate);
  const x = tf.tensor2d(train.x, [rows, train.dim]);
  const targets = tf.tensor2d(train.targets, [rows, train.outputs]);
  const weights = tf.tensor1d(train.weights);
  const validation = job.validation && {
    x: tf.tensor2d(job.validation.x, [job.validation.x.length / train.dim, train.dim]),
    targets: tf.tensor2d(job.validation.targets, [job.validation.targets.length / train.outputs, train.outputs]),
    weights: tf.tensor1d(job.validation.weights),
    views: job.validation.views,
  };
  const batchSize = Math.min(options.batchSize, rows);
  const batches = Math.ceil(rows / batchSize);
  const totalSteps = options.epochs * batches;

  let best = job.resume?.best ?? null;
  let stale = job.resume?.epochsWithoutImprovement ?? 0;
  let startEpoch = 0;
  if (job.resume) {
    head.setWeights(job.resume.weights.map((values, i) => tf.tensor(values, head.getWeights()[i]!.shape)));
    startEpoch = job.resume.epoch;
    await optimizer.setWeights(job.resume.optimizer.map(({ name, shape, values }) => ({ name, tensor: tf.tensor(values, shape) })));
  }

  try {
    let stoppedEarly = false;
    for (let epoch = startEpoch; epoch < options.epochs; epoch++) {
      const started = performance.now();
      const order = epochOrder(train.strata, options.balancedSampling, job.seed * 1009 + epoch);
      let lossSum = 0;
      let learningRate = options.learningRate;
      for (let b = 0; b < batches; b++) {
        if (job.signal?.aborted) throw new GradedeskError('cancelled', 'Training was cancelled.');
        learningRate = learningRateAt(options.schedule, options.learningRate, epoch * batches + b, totalSteps);
        (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
        const indices = tf.tensor1d(order.subarray(b * batchSize, Math.min(rows, (b + 1) * batchSize)), 'int32');
        const loss = optimizer.minimize(() => {
          const outputs = head.apply(tf.gather(x, indices), { training: true }) as tf.Tensor2D;
          const perSample = lossPerSample(job.kind, tf.gather(targets, indices) as tf.Tensor2D, outputs, options.focalGamma);
          const w = tf.gather(weights, indices);
          return tf.div(tf.sum(tf.mul(perSample, w)), tf.maximum(tf.sum(w), 1e-6)) as tf.Scalar;
        }, true);
        indices.dispose();
        const value = (await loss!.data())[0]!;
        loss!.dispose();
        lossSum += value;
        job.onBatch?.(b + 1, batches, value, learningRate);
      }
      const evaluated = validation ? await evaluate(head, job.kind, validation, options.focalGamma, job.metric) : null;
      const result: EpochResult = {
        epoch: epoch + 1,
        trainLoss: lossSum / batches,
        validationLoss: evaluated?.loss ?? null,
        validationMetric: evaluated?.metric ?? null,
        learningRate,
        seconds: (performance.now() - started) / 1000,
      };
      const improved = result.validationMetric !== null && (best === null || result.validationMetric > best.metric);
      if (improved) {
        best = { epoch: epoch + 1, metric: result.validationMetric!, weights: await weightValues(head) };
        stale = 0;
      } else stale++;
      const checkpoint = async (): Promise<HeadCheckpoint> => ({
        epoch: epoch + 1,
        weights: await weightValues(head),
        optimizer: await Promise.all(
          (await optimizer.getWeights()).map(async ({ name, tensor }) => ({ name, shape: tensor.shape, values: (await tensor.data()) as Float32Array })),
        ),
        best,
        epochsWithoutImprovement: stale,
      });
      await job.onEpoch?.(result, checkpoint);
      if (options.earlyStoppingPatience !== null && stale >= options.earlyStoppingPatience && epoch + 1 < options.epochs) {
        stoppedEarly = true;
        break;
      }
    }
    if (best) head.setWeights(best.weights.map((values, i) => tf.tensor(values, head.getWeights()[i]!.shape)));
    return { head, bestEpoch: best?.epoch ?? options.epochs, stoppedEarly };
  } catch (error) {
    head.dispose();
    throw error;
  } finally {
    tf.dispose([x, targets, weights]);
    if (validation) tf.dispose([validation.x, validation.targets, validation.weights]);
    optimizer.dispose();
  }
}

/** Row order for one epoch: a shuffle, or (balanced) draws with every class equally likely. */
export function epochOrder(strata: Int32Array, balanced: boolean, seed: number): Int32Array {
  const random = createRandom(seed);
  const order = new Int32Array(strata.length);
  if (balanced) {
    const byClass = new Map<number, number[]>();
    strata.forEach((s, i) => byClass.set(s, [...(byClass.get(s) ?? []), i]));
    const classes = [...byClass.values()];
    for (let i = 0; i < order.length; i++) {
      const members = classes[Math.floor(random.next() * classes.length)]!;
      order[i] = members[Math.floor(random.next() * members.length)]!;
    }
    return order;
  }
  order.forEach((_, i) => (order[i] = i));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Head outputs averaged over each image's views: images × outputs. */
export function predictAveraged(head: tf.LayersModel, x: tf.Tensor2D, views: number): tf.Tensor2D {
  return tf.tidy(() => {
    const outputs = head.predict(x, { batchSize: 1024 }) as tf.Tensor2D;
    const [rows, units] = outputs.shape;
    return tf.mean(tf.reshape(outputs, [rows / views, views, units]), 1) as tf.Tensor2D;
  });
}

/** A model's weight values, read asynchronously (WebGPU in Node cannot read synchronously). */
export function weightValues(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
}

async function evaluate(
  head: tf.LayersModel,
  kind: HeadKind,
  validation: { x: tf.Tensor2D; targets: tf.Tensor2D; weights: tf.Tensor1D; views: number },
  focalGamma: number,
  metric: HeadTraining['metric'],
): Promise<{ loss: number; metric: number | null }> {
  const averaged = predictAveraged(head, validation.x, validation.views);
  const lossTensor = tf.tidy(() => {
    const perSample = lossPerSample(kind, validation.targets, averaged, focalGamma);
    return tf.div(tf.sum(tf.mul(perSample, validation.weights)), tf.maximum(tf.sum(validation.weights), 1e-6));
  });
  const loss = (await lossTensor.data())[0]!;
  const outputs = await averaged.array();
  tf.dispose([lossTensor, averaged]);
  return { loss, metric: metric ? metric(outputs) : null };
}
