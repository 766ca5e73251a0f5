/** Which grade a digit key gives the selected images, and the sentences that report bulk grading. */
import type { TaskSpec } from '../../../../shared/domain';
import { describeLabel } from '../../../../shared/labels';

/** More selected images than this and bulk grading asks first. */
export const CONFIRM_ABOVE = 20;

export type DigitGrade = { value: number } | { refusal: string };

/** The label a digit key gives in bulk (grade for dr-grade, class index for multiclass). */
export function gradeForDigit(task: TaskSpec, digit: number): DigitGrade {
  if (task.kind === 'multilabel') {
    return { refusal: 'Bulk grading is not available for multilabel projects: open an image in Review (Enter) to set its labels.' };
  }
  if (digit >= task.classes.length) {
    const what = task.kind === 'dr-grade' ? 'Grades' : 'Class keys';
    return { refusal: `${what} go from 0 to ${task.classes.length - 1}; ${digit} is not one of them.` };
  }
  return { value: digit };
}

const images = (count: number) => `${count.toLocaleString()} image${count === 1 ? '' : 's'}`;

export const confirmQuestion = (task: TaskSpec, count: number, value: number): string =>
  `Grade ${images(count)} as ${describeLabel(task, value)}?`;

export function gradedMessage(task: TaskSpec, count: number, value: number, skipped: number): string {
  const skippedNote = skipped ? ` ${images(skipped)} that could not be imported ${skipped === 1 ? 'was' : 'were'} skipped.` : '';
  return `Graded ${images(count)} as ${describeLabel(task, value)}.${skippedNote} Ctrl+Z undoes.`;
}

export const undoneMessage = (count: number): string =>
  count === 0 ? 'Nothing to undo.' : `Undone: ${images(count)} back to ${count === 1 ? 'its' : 'their'} previous label.`;
