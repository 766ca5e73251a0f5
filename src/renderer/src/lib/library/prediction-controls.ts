/** Which of the Library's prediction filters and sorts are on offer, given the project's active model. */
import type { ImageFilter, ImageSortKey, TaskSpec } from '../../../../shared/domain';
import type { ModelSummary } from '../../../../shared/ml';

export interface PredictionControls {
  /** The P(referable) filter and sort: dr-grade models that give a probability (not regression). */
  referable: boolean;
  /** The active model's saved referral threshold, offered first among the filter's choices; null if none. */
  referralThreshold: number | null;
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
  active: Pick<ModelSummary, 'head' | 'referralThreshold'> | null | undefined,
  filter: ImageFilter,
  sort: ImageSortKey,
): PredictionControls | null {
  const usesReferable = filter.referableAtLeast !== undefined || sort === 'referable';
  const usesPredicted = filter.predicted !== undefined || sort === 'predicted';
  if (!active) return usesReferable || usesPredicted ? { referable: usesReferable, referralThreshold: null } : null;
  return { referable: usesReferable || (task.kind === 'dr-grade' && active.head !== 'regression'), referralThreshold: active.referralThreshold };
}

/**
 * The filter's choices: the model's referral threshold, the fixed steps, and a remembered value that is
 * none of them, kept so that the select can show it.
 */
export function referableChoices(current: number | undefined, referralThreshold: number | null = null): number[] {
  const choices = new Set([...REFERABLE_CHOICES, ...(referralThreshold === null ? [] : [referralThreshold]), ...(current === undefined ? [] : [current])]);
  return [...choices].sort((a, b) => a - b);
}

/** "0.37 (referral threshold)", "0.50". */
export const referableChoiceText = (choice: number, referralThreshold: number | null): string =>
  choice === referralThreshold ? `${choice.toFixed(2)} (referral threshold)` : choice.toFixed(2);

/** What the Library calls sorting by the model's prediction. */
export function predictedSortName(task: TaskSpec): string {
  return task.kind === 'dr-grade' ? 'Predicted grade' : task.kind === 'multiclass' ? 'Predicted class' : 'Predicted labels';
}
