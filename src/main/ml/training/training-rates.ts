// Training rates measured by finished runs, for the Train view's estimate of a run's duration before
// Start: the most recent ready model of each strategy and input size (models do not record their backend,
// so a run on another computer's data directory counts too). An epoch's seconds are its steps and validation.
import type { TrainingRate } from '../../../shared/ml';
import type { Store } from '../../store';

/** How many recent models per project are looked at. */
const RECENT = 20;

export function measuredRates(store: Store): TrainingRate[] {
  const rates = new Map<string, TrainingRate & { finishedAt: string }>();
  for (const project of store.projects.list()) {
    const recent = store.models
      .list(project.id)
      .filter((m) => m.status === 'ready' && m.strategy !== 'ensemble' && m.strategy !== 'imported' && m.finishedAt !== null)
      .slice(0, RECENT); // newest first
    for (const summary of recent) {
      const model = store.models.get(summary.id);
      const rate = secondsPerImageEpoch(model.epochs, model.trainingImages, model.options.validation);
      if (rate === null) continue;
      const key = `${model.options.strategy}@${model.options.inputSize}`;
      const known = rates.get(key);
      if (known && known.finishedAt >= summary.finishedAt!) continue;
      rates.set(key, {
        strategy: model.options.strategy,
        inputSize: model.options.inputSize,
        secondsPerImageEpoch: rate,
        modelId: model.id,
        modelName: model.name,
        finishedAt: summary.finishedAt!,
      });
    }
  }
  return [...rates.values()].map(({ finishedAt: _finishedAt, ...rate }) => rate);
}

/** Images a fold trains on per epoch: the other folds, or the training side of a hold-out. */
export function imagesPerFoldEpoch(images: number, validation: { kind: 'k-fold'; folds: number } | { kind: 'holdout'; fraction: number }): number {
  return validation.kind === 'k-fold' ? (images * (validation.folds - 1)) / validation.folds : images * (1 - validation.fraction);
}

function secondsPerImageEpoch(
  epochs: ReadonlyArray<{ seconds: number }>,
  images: number,
  validation: { kind: 'k-fold'; folds: number } | { kind: 'holdout'; fraction: number },
): number | null {
  // The first epoch of a run holds the shader warm-up on a GPU: leave it out where there are others.
  const timed = epochs.length > 1 ? epochs.slice(1) : epochs;
  const seconds = timed.reduce((sum, e) => sum + e.seconds, 0);
  const perEpoch = imagesPerFoldEpoch(images, validation);
  return timed.length > 0 && perEpoch > 0 && seconds > 0 ? seconds / (timed.length * perEpoch) : null;
}
