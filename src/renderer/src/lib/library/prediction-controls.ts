/** Which of the Library's prediction filters and sorts are on offer, given the project's active model. */
import type { ImageFilter, ImageSortKey, TaskSpec } from '../../../../shared/domain';
import type { ModelSummary } from '../../../../shared/ml';

export interface PredictionControls {
  /** The P(referable) filter and sort: dr-grade models that give a probability (not regression). */
  referable: boolean;
}

/** The "P(referable) ≥" choices of the filter. */
export const REFERABLE_CHOICES: readonly number[] = [0.25, 0.5, 0.75];

/**
 * The controls to show: those the active model can answer, plus any the view already uses (remembered
 * from before the model was deleted), so that a filter on screen can always be cleared. Null hides them.
 * `active` is undefined while the models are still being listed.
 */
export function predictionControls(
  task: TaskSpec,
  active: Pick<ModelSummary, 'head'> | null | undefined,
  filter: ImageFilter,
  sort: ImageSortKey,
): PredictionControls | null {
  const usesReferable = filter.referableAtLeast !== undefined || sort === 'referable';
  const usesPredicted = filter.predicted !== undefined || sort === 'predicted';
  if (!active) return usesReferable || usesPredicted ? { referable: usesReferable } : null;
  return { referable: usesReferable || (task.kind === 'dr-grade' && active.head !== 'regression') };
}

/** The filter's choices, with a remembered value that is not one of them kept so that the select can show it. */
export function referableChoices(current: number | undefined): number[] {
  if (current === undefined || REFERABLE_CHOICES.includes(current)) return [...REFERABLE_CHOICES];
  return [...REFERABLE_CHOICES, current].sort((a, b) => a - b);
}

/** What the Library calls sorting by the model's prediction. */
export function predictedSortName(task: TaskSpec): string {
  return task.kind === 'dr-grade' ? 'Predicted grade' : task.kind === 'multiclass' ? 'Predicted class' : 'Predicted labels';
}
