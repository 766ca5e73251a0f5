import type { LabelValue, TaskSpec } from './domain';
import { GradedeskError } from './errors';

/** Thrown when a label value does not fit the project's task; the message is shown to the user as is. */
export class InvalidLabelError extends GradedeskError {
  constructor(message: string) {
    super('invalid', message);
  }
}

/**
 * The most images one bulk grade (or its undo) covers: far above a Library selection graded at once,
 * and low enough that its one transaction holds other readers' saves back for well under a second.
 */
export const MAX_BULK_GRADE = 10_000;
export const BULK_GRADE_TOO_LARGE = `A bulk grade covers at most ${MAX_BULK_GRADE.toLocaleString('en')} images at a time; select fewer and grade them in parts.`;

/** Checks a label value against the task and returns it in canonical form (multilabel: sorted, distinct). */
export function validateLabelValue(task: TaskSpec, value: unknown): LabelValue {
  const count = task.classes.length;
  if (task.kind === 'multilabel') {
    if (!Array.isArray(value)) throw new InvalidLabelError(`A multilabel value is a list of label numbers, not ${JSON.stringify(value)}.`);
    for (const index of value) {
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new InvalidLabelError(`Label ${JSON.stringify(index)} is not one of this project's ${count} labels (0–${count - 1}).`);
      }
    }
    return [...new Set(value as number[])].sort((a, b) => a - b);
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= count) {
    const what = task.kind === 'dr-grade' ? 'grade' : 'class';
    throw new InvalidLabelError(`${JSON.stringify(value)} is not a valid ${what}: expected a whole number from 0 to ${count - 1}.`);
  }
  return value;
}

/** Parses what a user typed (a grade, a class name or index, or a comma/space/semicolon list for multilabel). */
export function parseLabelInput(task: TaskSpec, text: string): LabelValue {
  const classIndex = (token: string): number => {
    const trimmed = token.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed);
    const index = task.classes.findIndex((name) => name.toLowerCase() === trimmed.toLowerCase());
    if (index < 0) throw new InvalidLabelError(`"${trimmed}" is not a class of this project (${task.classes.join(', ')}).`);
    return index;
  };
  if (task.kind === 'multilabel') {
    const tokens = text.split(/[\s,;]+/).filter(Boolean);
    return validateLabelValue(task, tokens.map(classIndex));
  }
  const trimmed = text.trim();
  if (task.kind === 'dr-grade' && !/^\d+$/.test(trimmed)) {
    throw new InvalidLabelError(`"${trimmed}" is not a grade: expected a whole number from 0 to 4.`);
  }
  return validateLabelValue(task, classIndex(trimmed));
}

/** Human-readable form of a label value, in the project's own words. */
export function describeLabel(task: TaskSpec, value: LabelValue | null): string {
  if (value === null) return 'unlabelled';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((i) => task.classes[i]).join(', ');
  return task.kind === 'dr-grade' ? `${value} (${task.classes[value]})` : task.classes[value] ?? String(value);
}

export function sameLabel(a: LabelValue | null, b: LabelValue | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
