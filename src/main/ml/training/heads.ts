// Heads: the small networks trained on backbone features, their targets and losses, and how their
// outputs become class probabilities, a predicted label, an expected grade and P(referable).
import { REFERABLE_GRADE, type LabelValue } from '../../../shared/domain';
import type { HeadKind, Prediction } from '../../../shared/ml';
import { applyThresholds, entropy, margin } from '../evaluate/metrics';
import { tf } from '../engine/backend';

export const HIDDEN_UNITS = 128;
export const DROPOUT = 0.25;

export function outputUnits(kind: HeadKind, classCount: number): number {
  return kind === 'regression' ? 1 : classCount;
}

export function buildHead(kind: HeadKind, inputDim: number, classCount: number, seed: number): tf.Sequential {
  const activation = kind === 'softmax' ? 'softmax' : kind === 'regression' ? 'linear' : 'sigmoid';
  return tf.sequential({
    name: `${kind}_head`,
    layers: [
      tf.layers.dropout({ rate: DROPOUT, inputShape: [inputDim], name: 'feature_dropout', seed }),
      tf.layers.dense({ units: HIDDEN_UNITS, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.heNormal({ seed }) }),
      tf.layers.dropout({ rate: DROPOUT, name: 'hidden_dropout', seed: seed + 1 }),
      tf.layers.dense({ units: outputUnits(kind, classCount), activation, name: 'output', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
}

/**
 * Training targets for one label. Ordinal heads learn cumulative targets P(grade ≥ k) for every k, so
 * grade 2 of 5 is [1, 1, 1, 0, 0]; the first unit is always 1 and only kept for a uniform layout.
 */
export function targetFor(kind: HeadKind, label: LabelValue, classCount: number): number[] {
  if (kind === 'multilabel') {
    const labels = new Set(label as number[]);
    return Array.from({ length: classCount }, (_, k) => (labels.has(k) ? 1 : 0));
  }
  const grade = label as number;
  if (kind === 'regression') return [grade];
  if (kind === 'ordinal') return Array.from({ length: classCount }, (_, k) => (grade >= k ? 1 : 0));
  return Array.from({ length: classCount }, (_, k) => (grade === k ? 1 : 0));
}

/** Per-sample loss [n] before weighting. */
export function lossPerSample(kind: HeadKind, targets: tf.Tensor2D, outputs: tf.Tensor2D, focalGamma: number): tf.Tensor1D {
  return tf.tidy(() => {
    const epsilon = 1e-6;
    if (kind === 'regression') return tf.mean(tf.square(tf.sub(outputs, targets)), 1) as tf.Tensor1D;
    if (kind === 'softmax') {
      return tf.neg(tf.sum(tf.mul(targets, tf.log(tf.clipByValue(outputs, epsilon, 1))), 1)) as tf.Tensor1D;
    }
    const p = tf.clipByValue(outputs, epsilon, 1 - epsilon);
    const crossEntropy = tf.neg(tf.add(tf.mul(targets, tf.log(p)), tf.mul(tf.sub(1, targets), tf.log(tf.sub(1, p)))));
    if (kind === 'ordinal' || focalGamma === 0) return tf.mean(crossEntropy, 1) as tf.Tensor1D;
    // Focal loss (Lin et al. 2017): down-weight labels the head already gets right.
    const pCorrect = tf.add(tf.mul(targets, p), tf.mul(tf.sub(1, targets), tf.sub(1, p)));
    return tf.mean(tf.mul(tf.pow(tf.sub(1, pCorrect), focalGamma), crossEntropy), 1) as tf.Tensor1D;
  });
}

/** What a head's raw output says about one image: the decoded part of a stored prediction. */
export type DecodedOutput = Pick<Prediction, 'probabilities' | 'predicted' | 'expected' | 'referable' | 'entropy' | 'margin'>;

/**
 * A head's raw output for one image → what the app shows. `thresholds` are the regression cut points
 * or the multilabel per-label thresholds. `referable` applies to DR grading only.
 */
export function decodeOutput(kind: HeadKind, output: readonly number[], thresholds: readonly number[] | null, isDrGrade: boolean): DecodedOutput {
  if (kind === 'regression') {
    const value = output[0]!;
    const cuts = thresholds ?? output.map((_, k) => k + 0.5);
    return { probabilities: null, predicted: applyThresholds(value, [...cuts]), expected: value, referable: null, entropy: null, margin: null };
  }
  if (kind === 'multilabel') {
    const predicted = output.flatMap((p, k) => (p >= (thresholds?.[k] ?? 0.5) ? [k] : []));
    return { probabilities: [...output], predicted, expected: null, referable: null, entropy: null, margin: null };
  }
  const probabilities = kind === 'ordinal' ? ordinalProbabilities(output) : normalised(output);
  const predicted = argmax(probabilities);
  const expected = probabilities.reduce((sum, p, k) => sum + p * k, 0);
  const referable = isDrGrade ? probabilities.slice(REFERABLE_GRADE).reduce((a, b) => a + b, 0) : null;
  return { probabilities, predicted, expected, referable, entropy: entropy(probabilities), margin: margin(probabilities) };
}

/** Cumulative P(grade ≥ k) → P(grade = k), forcing P(≥ 0) = 1 and a non-increasing sequence. */
export function ordinalProbabilities(cumulative: readonly number[]): number[] {
  const atLeast = cumulative.map((_, k) => (k === 0 ? 1 : cumulative[k]!));
  for (let k = 1; k < atLeast.length; k++) atLeast[k] = Math.min(atLeast[k]!, atLeast[k - 1]!);
  return atLeast.map((p, k) => Math.max(0, p - (atLeast[k + 1] ?? 0)));
}

function normalised(values: readonly number[]): number[] {
  const sum = values.reduce((a, b) => a + b, 0) || 1;
  return values.map((v) => v / sum);
}

export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k;
  return best;
}
