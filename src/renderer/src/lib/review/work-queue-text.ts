/** How Review and the Library put a grader's work queue ("Grade my queue") into words. */
import type { WorkQueuePosition } from '../../../../shared/protocols';

const count = new Intl.NumberFormat('en');

/** The Library's way into the queue: "Grade my queue (41 owed)". */
export const myQueueButtonText = (owed: number): string => `Grade my queue (${count.format(owed)} owed)`;

/** "Nothing left in your queue: 12 graded, none owed. Press Esc for the Library." */
export const nothingLeftText = (graded: number): string =>
  `Nothing left in your queue: ${count.format(graded)} graded, none owed. Press Esc for the Library.`;

/** Review's position line in the queue: "3 of 41 owed in your queue · 12 graded", or why the image is no longer in it. */
export function queuePositionText(position: WorkQueuePosition, leftQueue: boolean): string {
  const { owed, graded } = position.counts;
  if (owed === 0) return nothingLeftText(graded);
  if (position.index < 0 || leftQueue) {
    return `no longer owed (graded) · ${count.format(owed)} owed, ${count.format(graded)} graded; ← / → go to its neighbours in your queue`;
  }
  return `${count.format(position.index + 1)} of ${count.format(position.total)} owed in your queue · ${count.format(graded)} graded`;
}

/** What ← or → says where the queue has no owed image before or after this one. */
export const queueEndText = (direction: 'previous' | 'next'): string =>
  direction === 'next' ? 'You owe no image after this one in your queue.' : 'You owe no image before this one in your queue.';
