/** How the Triage view puts a queue into words. */
import { TRIAGE_ORDER_INFO, type TriageCounts, type TriageOrder } from '../../../../shared/triage';

const count = new Intl.NumberFormat('en');

/** "3 reviewed · 57 remaining of 60". */
export function counterText(counts: TriageCounts): string {
  return `${count.format(counts.reviewed)} reviewed · ${count.format(counts.remaining)} remaining of ${count.format(counts.total)}`;
}

/** The share of the queue reviewed, for the counter's bar (0 for an empty queue). */
export const reviewedShare = (counts: TriageCounts): number => (counts.total ? counts.reviewed / counts.total : 0);

/** What an empty list means: everything reviewed, or nothing in this order at all. */
export function emptyQueueText(order: TriageOrder, counts: TriageCounts): string {
  const title = TRIAGE_ORDER_INFO[order].title;
  if (counts.total > 0) return `Every image of “${title}” has been reviewed since this model was trained (${count.format(counts.total)} in all). Tick “Show reviewed” to see them again.`;
  switch (order) {
    case 'label-errors':
      return 'Confident learning doubts no label: no graded image is predicted, by a model that did not train on it, as confidently as another class’s typical image.';
    case 'top-loss':
      return 'No graded image has a prediction from a model that did not train on it, so there are no losses to rank.';
    case 'disagreement':
      return 'No graded image has a prediction yet, so there is nothing to compare.';
    default:
      return 'The active model has predicted no image of this project yet. Run a prediction from the Train view.';
  }
}
