/**
 * Per-epoch records as curves and table rows, and where a running job is. The engine counts folds and
 * epochs from 1 in both; a TrainingProgress's `epoch` is the number of epochs the fold has completed
 * (0 while its first epoch runs).
 */
import type { TaskKind } from '../../../../shared/domain';
import type { EpochRecord, TrainingProgress } from '../../../../shared/ml';
import { validationMetricName } from '../../../../shared/ml';
import { formatLoss } from '../evaluate/format';

export type EpochValue = 'trainLoss' | 'validationLoss' | 'validationMetric';

export interface FoldSeries {
  fold: number;
  /** x: the epoch; y: null where the value is not known (a gap in the line). */
  points: Array<{ x: number; y: number | null }>;
}

/** One series per fold, epochs in order; a fold with no value at all for this quantity is left out. */
export function foldSeries(epochs: readonly EpochRecord[], value: EpochValue): FoldSeries[] {
  const byFold = new Map<number, EpochRecord[]>();
  for (const record of epochs) byFold.set(record.fold, [...(byFold.get(record.fold) ?? []), record]);
  return [...byFold.entries()]
    .sort(([a], [b]) => a - b)
    .map(([fold, records]) => ({
      fold,
      points: [...records].sort((a, b) => a.epoch - b.epoch).map((record) => ({ x: record.epoch, y: record[value] })),
    }))
    .filter((series) => series.points.some((point) => point.y !== null && Number.isFinite(point.y)));
}

/** The fold being trained now (from the job), else the last fold with records. */
export function currentFold(epochs: readonly EpochRecord[], progress: TrainingProgress | null | undefined): number | null {
  if (progress) return progress.fold;
  return epochs.length ? Math.max(...epochs.map((record) => record.fold)) : null;
}

/** The validation metric's name for a task, as the curves and table head it. */
export function metricTitle(kind: TaskKind): string {
  const name = validationMetricName(kind);
  return name === 'qwk' ? 'Quadratic weighted kappa' : name === 'balanced-accuracy' ? 'Balanced accuracy' : 'Macro-F1';
}

/**
 * "Fold 2 of 5 · 3 of 30 epochs done · batch 12 of 40 · loss 0.4132". Counting epochs done never shows an
 * epoch past the last one. A hold-out run has one fold and says nothing about it.
 */
export function progressLine(progress: TrainingProgress): string {
  return [
    progress.folds > 1 ? `Fold ${progress.fold} of ${progress.folds}` : null,
    `${progress.epoch} of ${progress.epochs} epochs done`,
    progress.batches > 0 ? `batch ${progress.batch} of ${progress.batches}` : null,
    progress.loss !== null ? `loss ${formatLoss(progress.loss)}` : null,
  ]
    .filter(Boolean)
    .join(' · ')
    .replace(/^./, (first) => first.toUpperCase());
}

/** Changes when a new epoch (or fold) starts: the moment the finished epoch's record can be fetched. */
export const epochKey = (progress: TrainingProgress | null | undefined): string =>
  progress ? `${progress.modelId}:${progress.fold}:${progress.epoch}` : '';
