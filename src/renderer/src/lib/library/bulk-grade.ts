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

/** What bulk grading would do to the selected images' current labels (null when it could not be counted). */
export interface BulkEffect {
  unlabelled: number;
  same: number;
  replaced: number;
}

/** The confirm question, with how many existing labels the grading replaces. */
export function confirmQuestion(task: TaskSpec, count: number, value: number, effect: BulkEffect | null): string {
  const question = `Grade ${images(count)} as ${describeLabel(task, value)}?`;
  const what = task.kind === 'dr-grade' ? 'grade' : 'class';
  if (!effect) return `${question} How many of them already have a different ${what} could not be counted; any such ${what} will be replaced (undo with Ctrl+Z).`;
  if (effect.replaced === 0) return `${question} None of them has a different ${what}, so no existing ${what} is replaced.`;
  const have = effect.replaced === 1 ? '1 already has a different ' + what : `${effect.replaced.toLocaleString()} already have a different ${what}`;
  return `${question} ${have}, which will be replaced (undo with Ctrl+Z).`;
}

export function gradedMessage(task: TaskSpec, count: number, value: number, skipped: number): string {
  const skippedNote = skipped ? ` ${images(skipped)} that could not be imported ${skipped === 1 ? 'was' : 'were'} skipped.` : '';
  return `Graded ${images(count)} as ${describeLabel(task, value)}.${skippedNote} Ctrl+Z undoes.`;
}

export const undoneMessage = (count: number): string =>
  count === 0 ? 'Nothing to undo.' : `Undone: ${images(count)} back to ${count === 1 ? 'its' : 'their'} previous label.`;
