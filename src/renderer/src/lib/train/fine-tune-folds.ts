/**
 * Whether fine-tuning paid off, fold by fold: each fold's validation metric with its warm head alone (the head
 * trained on the pretrained features before any block trained) and after fine-tuning, and which the fold kept.
 */
import type { TaskKind } from '../../../../shared/domain';
import type { FineTuneFoldOutcome } from '../../../../shared/ml';
import { formatMetric } from '../evaluate/format';
import { formatCount, plural } from '../format';
import { metricTitle } from './epochs';

export interface FineTuneFoldRow {
  fold: number;
  warmHead: string;
  fineTuned: string;
  kept: 'fine-tuned' | 'warm head';
}

export function fineTuneFoldRows(outcomes: readonly FineTuneFoldOutcome[]): FineTuneFoldRow[] {
  return [...outcomes]
    .sort((a, b) => a.fold - b.fold)
    .map((outcome) => ({
      fold: outcome.fold,
      warmHead: formatMetric(outcome.warmHeadMetric),
      fineTuned: outcome.fineTunedMetric === null && outcome.keptWarmHead ? 'diverged' : formatMetric(outcome.fineTunedMetric),
      kept: outcome.keptWarmHead ? 'warm head' : 'fine-tuned',
    }));
}

/** "Fine-tuning did at least as well as its warm head … in 1 of 3 folds, on each fold's validation quadratic weighted kappa; the others keep …". */
export function fineTuneVerdict(outcomes: readonly FineTuneFoldOutcome[], kind: TaskKind): string {
  const paid = outcomes.filter((outcome) => !outcome.keptWarmHead).length;
  const metric = metricTitle(kind).toLowerCase();
  const rest = paid === outcomes.length ? '' : paid === 0 ? '; every fold keeps its warm head on the pretrained features' : '; the others keep their warm head on the pretrained features';
  return `Fine-tuning did at least as well as its warm head (the head alone on the pretrained features) in ${formatCount(paid)} of ${plural(outcomes.length, 'fold')}, on each fold's validation ${metric}${rest}.`;
}
