// Turns cached features and labels into the row matrices a head trains and validates on.
import type { LabelValue } from '../../../shared/domain';
import type { HeadKind, TrainOptions } from '../../../shared/ml';
import type { FeatureStore } from '../../store/features';
import { outputUnits, targetFor } from './heads';
import type { Standardisation } from '../models/model-files';
import type { TrainingRows, ValidationRows } from './train-head';
import type { ImageView } from '../features/views';

export interface LabelledImage {
  id: number;
  sha256: string;
  label: LabelValue;
}

/** Features of images × views, views of one image adjacent. */
export function featureRows(store: FeatureStore, extractor: string, dim: number, images: ReadonlyArray<{ sha256: string }>, views: readonly ImageView[]): Float32Array {
  return store.matrix(images.flatMap((image) => views.map((view) => ({ sha256: image.sha256, view }))), extractor, dim);
}

export function standardisationOf(x: Float32Array, dim: number): Standardisation {
  const rows = x.length / dim;
  const mean = new Array<number>(dim).fill(0);
  const square = new Array<number>(dim).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < dim; d++) {
      const v = x[r * dim + d]!;
      mean[d]! += v;
      square[d]! += v * v;
    }
  }
  for (let d = 0; d < dim; d++) {
    mean[d]! /= rows;
    square[d] = Math.sqrt(Math.max(0, square[d]! / rows - mean[d]! ** 2)) + 1e-3;
  }
  return { mean, std: square };
}

/**
 * The standardisation a head (or a fine-tuned network) is trained with: per feature, but no std below a
 * tenth of the features' root-mean-square std. Most pooled features are zero on nearly every training
 * image; with only the 1e-3 floor an image that wakes one up reaches hundreds of stds: a regression
 * head's unbounded output follows it (measured at 96 px: held-out values from −15 to 5 for grades 0–4),
 * and in fine-tuning the first backbone step that wakes one up blows the head's outputs up (loss 0.48 →
 * 4.7 after one step at the default rates).
 */
export function headStandardisation(x: Float32Array, dim: number): Standardisation {
  const { mean, std } = standardisationOf(x, dim);
  const floor = 0.1 * Math.sqrt(std.reduce((sum, s) => sum + s * s, 0) / dim);
  return { mean, std: std.map((s) => Math.max(s, floor)) };
}

export function standardise(x: Float32Array, { mean, std }: Standardisation): Float32Array {
  const dim = mean.length;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - mean[i % dim]!) / std[i % dim]!;
  return out;
}

/** The class an image counts as for weights and balanced sampling (multilabel: its first label). */
const classOf = (label: LabelValue) => (Array.isArray(label) ? (label[0] ?? 0) : label);

/** Loss weight per class: inverse frequency (mean 1 over the images, capped at 10), none, or the user's. */
export function classWeights(labels: readonly LabelValue[], classCount: number, setting: TrainOptions['classWeights']): number[] {
  if (Array.isArray(setting)) return setting;
  if (setting === 'none') return new Array<number>(classCount).fill(1);
  const counts = new Array<number>(classCount).fill(0);
  labels.forEach((label) => counts[classOf(label)]!++);
  const present = counts.filter((n) => n > 0).length;
  return counts.map((n) => (n === 0 ? 1 : Math.min(10, labels.length / (present * n))));
}

export function trainingRows(
  x: Float32Array,
  dim: number,
  images: readonly LabelledImage[],
  views: number,
  kind: HeadKind,
  classCount: number,
  weights: readonly number[],
): TrainingRows {
  const outputs = outputUnits(kind, classCount);
  const rows = images.length * views;
  const targets = new Float32Array(rows * outputs);
  const rowWeights = new Float32Array(rows);
  const strata = new Int32Array(rows);
  images.forEach((image, i) => {
    const target = targetFor(kind, image.label, classCount);
    const stratum = classOf(image.label);
    for (let v = 0; v < views; v++) {
      const row = i * views + v;
      targets.set(target, row * outputs);
      rowWeights[row] = kind === 'multilabel' ? 1 : weights[stratum]!;
      strata[row] = stratum;
    }
  });
  return { x, dim, targets, outputs, weights: rowWeights, strata };
}

export function validationRows(x: Float32Array, images: readonly LabelledImage[], views: number, kind: HeadKind, classCount: number): ValidationRows {
  const outputs = outputUnits(kind, classCount);
  const targets = new Float32Array(images.length * outputs);
  images.forEach((image, i) => targets.set(targetFor(kind, image.label, classCount), i * outputs));
  return { x, views, targets, weights: new Float32Array(images.length).fill(1) };
}
