import type { LabelValue, TaskSpec } from '../../../../shared/domain';

/** Classes reachable with a digit key: the first ten (0–9); the rest are clicked in the label list. */
export const KEYED_CLASSES = 10;

export type KeyedLabel = { value: LabelValue } | { problem: string };

/**
 * What a digit key means in Review: a grade (dr-grade), a class index (multiclass), or the current
 * label set with that label toggled (multilabel).
 */
export function labelForDigit(task: TaskSpec, digit: number, current: LabelValue | null): KeyedLabel {
  if (digit >= task.classes.length) {
    return {
      problem:
        task.kind === 'dr-grade'
          ? `Grades go from 0 to ${task.classes.length - 1}; there is no grade ${digit}.`
          : `This project has no ${task.kind === 'multilabel' ? 'label' : 'class'} ${digit} (${task.classes.length} in all, numbered from 0).`,
    };
  }
  return { value: task.kind === 'multilabel' ? toggled(current, digit) : digit };
}

/** The multilabel set with `index` added or removed, sorted. */
export function toggled(current: LabelValue | null, index: number): number[] {
  const set = new Set(Array.isArray(current) ? current : []);
  if (set.has(index)) set.delete(index);
  else set.add(index);
  return [...set].sort((a, b) => a - b);
}

/** Whether a label button is "on" for the current value. */
export function carries(current: LabelValue | null, index: number): boolean {
  return Array.isArray(current) ? current.includes(index) : current === index;
}
