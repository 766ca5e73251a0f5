// Trains one head on cached features, with class weights, through the epoch loop that fine-tuning
// shares (epoch-driver.ts: schedule, balanced sampling, early stopping, checkpoints).
import { GradedeskError } from '../../../shared/errors';
import type { HeadKind, TrainOptions } from '../../../shared/ml';
import { tf } from '../engine/backend';
import { runEpochs, type EpochOptions, type TrainingControl } from './epoch-driver';
import { buildHead, lossPerSample } from './heads';

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

export interface HeadTraining extends TrainingControl {
  kind: HeadKind;
  classCount: number;
  options: EpochOptions & Pick<TrainOptions, 'focalGamma'>;
  seed: number;
  train: TrainingRows;
  validation: ValidationRows | null;
  /** Higher is better; from the averaged validation outputs (images × outputs). */
  metric: ((outputs: number[][]) => number) | null;
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
  const setWeights = (values: Float32Array[]) => head.setWeights(values.map((v, i) => tf.tensor(v, head.getWeights()[i]!.shape)));
  if (job.resume) {
    setWeights(job.resume.weights);
    await optimizer.setWeights(job.resume.optimizer.map(({ name, shape, values }) => ({ name, tensor: tf.tensor(values, shape) })));
  }

  try {
    const trained = await runEpochs(job, {
      strata: train.strata,
      step: async (batchRows, learningRate) => {
        (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
        const indices = tf.tensor1d(batchRows, 'int32');
        const loss = optimizer.minimize(() => {
          const outputs = head.apply(tf.gather(x, indices), { training: true }) as tf.Tensor2D;
          const perSample = lossPerSample(job.kind, tf.gather(targets, indices) as tf.Tensor2D, outputs, options.focalGamma);
          const w = tf.gather(weights, indices);
          return tf.div(tf.sum(tf.mul(perSample, w)), tf.maximum(tf.sum(w), 1e-6)) as tf.Scalar;
        }, true);
        indices.dispose();
        const value = (await loss!.data())[0]!;
        loss!.dispose();
        return value;
      },
      validate: () => validation && evaluate(head, job.kind, validation, options.focalGamma, job.metric),
      record: (result) => result,
      weights: () => weightValues(head),
      setWeights,
      optimizerState: async () =>
        Promise.all((await optimizer.getWeights()).map(async ({ name, tensor }) => ({ name, shape: tensor.shape, values: (await tensor.data()) as Float32Array }))),
    });
    return { head, ...trained };
  } catch (error) {
    head.dispose();
    throw error;
  } finally {
    tf.dispose([x, targets, weights]);
    if (validation) tf.dispose([validation.x, validation.targets, validation.weights]);
    optimizer.dispose();
  }
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
