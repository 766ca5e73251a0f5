// An ArcFace embedding head (Deng et al. 2019): a dense projection of standardised backbone features
// to an L2-normalised embedding, trained with the additive angular margin loss against one learned
// centre per group. Every op here has a gradient on the wasm backend: the centres are never gathered
// (the target column is picked with a one-hot mask) and the batch is gathered from a constant.
import { GradedeskError } from '../../../shared/errors';
import type { LabelValue } from '../../../shared/domain';
import { createRandom } from '../../util/random';
import { tf } from '../engine/backend';

export interface ArcFaceMargin {
  /** Additive angular margin m, in radians. */
  margin: number;
  /** Logit scale s. */
  scale: number;
}

export interface ArcFaceOptions extends ArcFaceMargin {
  embeddingDim: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_ARCFACE: ArcFaceOptions = { margin: 0.5, scale: 30, embeddingDim: 512, epochs: 30, batchSize: 32, learningRate: 1e-3, seed: 1 };

/** The trained projection: embedding = normalise(x · kernel + bias), x standardised. */
export interface ArcFaceWeights {
  inputDim: number;
  embeddingDim: number;
  /** inputDim × embeddingDim, row-major. */
  kernel: Float32Array;
  bias: Float32Array;
  /** embeddingDim × groups, row-major: one (unnormalised) centre per column. */
  centres: Float32Array;
  groups: number;
}

const l2normalise = (t: tf.Tensor2D, axis: number): tf.Tensor2D =>
  tf.div(t, tf.sqrt(tf.add(tf.sum(tf.square(t), axis, true), 1e-12))) as tf.Tensor2D;

/**
 * ArcFace logits: s·cos(θ_y + m) for the target group, s·cos θ_j for the others, where θ is the angle
 * between the normalised embedding and the normalised centre. Past θ = π − m, cos(θ + m) stops
 * decreasing, so the linear fallback of Deng et al.'s code (`th`/`mm`), cos θ − m·sin m, keeps it monotonic.
 */
export function arcFaceLogits(embeddings: tf.Tensor2D, centres: tf.Tensor2D, oneHot: tf.Tensor2D, { margin, scale }: ArcFaceMargin): tf.Tensor2D {
  return tf.tidy(() => {
    const cos = tf.clipByValue(tf.matMul(l2normalise(embeddings, 1), l2normalise(centres, 0)), -1 + 1e-7, 1 - 1e-7);
    const sin = tf.sqrt(tf.sub(1, tf.square(cos)));
    const withMargin = tf.sub(tf.mul(cos, Math.cos(margin)), tf.mul(sin, Math.sin(margin)));
    // step() rather than a comparison: it has a (zero) gradient, so the tape can pass through the mask.
    const monotonic = tf.step(tf.sub(cos, Math.cos(Math.PI - margin)));
    const fallback = tf.sub(cos, Math.sin(Math.PI - margin) * margin);
    const target = tf.add(tf.mul(monotonic, withMargin), tf.mul(tf.sub(1, monotonic), fallback));
    return tf.mul(tf.add(tf.mul(oneHot, target), tf.mul(tf.sub(1, oneHot), cos)), scale) as tf.Tensor2D;
  });
}

/** Mean softmax cross-entropy of the ArcFace logits. */
export function arcFaceLoss(embeddings: tf.Tensor2D, centres: tf.Tensor2D, oneHot: tf.Tensor2D, margin: ArcFaceMargin): tf.Scalar {
  return tf.tidy(() => {
    const logits = arcFaceLogits(embeddings, centres, oneHot, margin);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/**
 * The group an image is pulled towards: its class for single-label tasks; for multilabel tasks its
 * rarest label (the one that says most about it), or -1 when it has none.
 */
export function labelGroups(labels: readonly LabelValue[], classCount: number): Int32Array {
  const counts = new Array<number>(classCount).fill(0);
  for (const label of labels) for (const k of Array.isArray(label) ? label : [label]) counts[k]!++;
  return Int32Array.from(labels, (label) => {
    if (!Array.isArray(label)) return label;
    if (label.length === 0) return -1;
    return label.reduce((rarest, k) => (counts[k]! < counts[rarest]! ? k : rarest));
  });
}

/** Dense indices of group ids (patients, eyes…): the first seen is 0. */
export function groupIndices(ids: readonly string[]): { indices: Int32Array; names: string[] } {
  const names: string[] = [];
  const index = new Map<string, number>();
  const indices = Int32Array.from(ids, (id) => {
    if (!index.has(id)) index.set(id, names.push(id) - 1);
    return index.get(id)!;
  });
  return { indices, names };
}

export interface ArcFaceTraining {
  /** rows × inputDim, standardised. */
  x: Float32Array;
  inputDim: number;
  /** Group per row; rows with -1 are left out. */
  groups: Int32Array;
  groupCount: number;
  options: ArcFaceOptions;
  signal?: AbortSignal;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrainedArcFace {
  weights: ArcFaceWeights;
  /** Mean training loss per epoch. */
  losses: number[];
}

export async function trainArcFace(job: ArcFaceTraining): Promise<TrainedArcFace> {
  const { options, inputDim } = job;
  const kept = [...job.groups.keys()].filter((row) => job.groups[row]! >= 0);
  if (kept.length < 2 || job.groupCount < 2) throw new GradedeskError('invalid', 'An embedding needs at least two labelled images in two groups.');
  const random = createRandom(options.seed);
  const limit = Math.sqrt(6 / (inputDim + options.embeddingDim)); // Glorot uniform
  const kernel = tf.variable(tf.tensor2d(Float32Array.from({ length: inputDim * options.embeddingDim }, () => random.range(-limit, limit)), [inputDim, options.embeddingDim]));
  const bias = tf.variable(tf.zeros([options.embeddingDim]));
  const centres = tf.variable(
    tf.tensor2d(Float32Array.from({ length: options.embeddingDim * job.groupCount }, () => random.normal(0, 1)), [options.embeddingDim, job.groupCount]),
  );
  const rows = kept.length;
  const x = tf.tensor2d(pickRows(job.x, inputDim, kept), [rows, inputDim]);
  const oneHot = tf.oneHot(tf.tensor1d(Int32Array.from(kept, (row) => job.groups[row]!), 'int32'), job.groupCount).toFloat() as tf.Tensor2D;
  const optimizer = tf.train.adam(options.learningRate);
  const batchSize = Math.min(options.batchSize, rows);
  const batches = Math.ceil(rows / batchSize);
  const losses: number[] = [];
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = shuffled(rows, random);
      let sum = 0;
      for (let b = 0; b < batches; b++) {
        if (job.signal?.aborted) throw new GradedeskError('cancelled', 'Training the embedding was cancelled.');
        const indices = tf.tensor1d(order.subarray(b * batchSize, Math.min(rows, (b + 1) * batchSize)), 'int32');
        const loss = optimizer.minimize(() => {
          const embeddings = tf.add(tf.matMul(tf.gather(x, indices), kernel), bias) as tf.Tensor2D;
          return arcFaceLoss(embeddings, centres, tf.gather(oneHot, indices) as tf.Tensor2D, options);
        }, true)!;
        indices.dispose();
        sum += (await loss.data())[0]!;
        loss.dispose();
      }
      losses.push(sum / batches);
      job.onEpoch?.(epoch + 1, sum / batches);
    }
    return {
      weights: {
        inputDim,
        embeddingDim: options.embeddingDim,
        kernel: (await kernel.data()) as Float32Array,
        bias: (await bias.data()) as Float32Array,
        centres: (await centres.data()) as Float32Array,
        groups: job.groupCount,
      },
      losses,
    };
  } finally {
    tf.dispose([kernel, bias, centres, x, oneHot]);
    optimizer.dispose();
  }
}

/** L2-normalised embeddings of standardised feature rows: rows × embeddingDim. */
export async function embedRows(weights: ArcFaceWeights, x: Float32Array): Promise<Float32Array> {
  const rows = x.length / weights.inputDim;
  const embedded = tf.tidy(() => {
    const projected = tf.add(
      tf.matMul(tf.tensor2d(x, [rows, weights.inputDim]), tf.tensor2d(weights.kernel, [weights.inputDim, weights.embeddingDim])),
      tf.tensor1d(weights.bias),
    ) as tf.Tensor2D;
    return l2normalise(projected, 1);
  });
  // Read asynchronously: WebGPU in Node cannot read a tensor synchronously.
  const values = (await embedded.data()) as Float32Array;
  embedded.dispose();
  return values;
}

/** Averages each image's consecutive `views` rows and re-normalises: one embedding per image. */
export function averageViews(embeddings: Float32Array, dim: number, views: number): Float32Array {
  const images = embeddings.length / dim / views;
  const out = new Float32Array(images * dim);
  for (let i = 0; i < images; i++) {
    for (let v = 0; v < views; v++) for (let d = 0; d < dim; d++) out[i * dim + d]! += embeddings[(i * views + v) * dim + d]!;
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += out[i * dim + d]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dim; d++) out[i * dim + d]! /= norm;
  }
  return out;
}

function pickRows(x: Float32Array, dim: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => out.set(x.subarray(row * dim, (row + 1) * dim), i * dim));
  return out;
}

function shuffled(n: number, random: { next(): number }): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
