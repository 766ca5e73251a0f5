/**
 * The grading day's counter ("12 graded today"), kept up to date after the reader's own grade without
 * asking main again: the same rule as `labels.gradedSince`, applied to the graded image's history.
 */
import type { ImageEvent } from '../../../../shared/domain';

/** Local midnight, as `labels.gradedSince` takes it. */
export function startOfToday(now = new Date()): string {
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  return midnight.toISOString();
}

/** Whether an event is a grade that counts for its reader's day (an undo's restoring event does not). */
const countedGrade = (event: ImageEvent, since: string) =>
  event.kind === 'label' && event.undoOf === null && event.value !== null && (event.source === 'reader' || event.source === 'model-accepted') && event.createdAt >= since;

/** Whether `event` (found in `history`) is its reader's first counted grade of this image since `since`: the counter goes up by one. */
export function firstGradeSince(history: readonly ImageEvent[], event: ImageEvent, since: string): boolean {
  if (!countedGrade(event, since)) return false;
  return !history.some((earlier) => earlier.id !== event.id && earlier.readerName === event.readerName && countedGrade(earlier, since));
}
