/** The sentences Review says about its keys: what a key does, what an undo went back to. */
import type { ImageDetail } from '../../../../shared/api';
import type { ImageEvent, TaskSpec } from '../../../../shared/domain';
import { describeChange } from '../../../../shared/label-events';
import { describeLabel } from '../../../../shared/labels';

/** The keys that change an image, queued in the order they were pressed (see GradingQueue). */
export type QueuedKey = { kind: 'grade'; digit: number } | { kind: 'ungradable' } | { kind: 'undo' };

/** "grade 2 moderate", "the Nevus toggle", "the ungradable mark", "the undo". */
export function keyWords(task: TaskSpec, key: QueuedKey): string {
  if (key.kind === 'grade') return task.kind === 'multilabel' ? `the ${task.classes[key.digit]} toggle` : describeLabel(task, key.digit);
  return key.kind === 'ungradable' ? 'the ungradable mark' : 'the undo';
}

/** What an undo of one event did to the image, as it now is. */
export function undoneWords(task: TaskSpec, event: ImageEvent, restored: ImageDetail): string {
  if (event.kind === 'label' && event.value !== null && event.restored) return describeChange(task, event).replace(/^Restored/, 'restored');
  if (event.kind === 'label') return `back to ${describeLabel(task, restored.label?.value ?? null)}`;
  return describeChange(task, event).replace(/^Undone: /, '');
}

export const NOTHING_TO_UNDO = 'Nothing to undo: no grade, flag or note given in this window is left to undo.';
export const STILL_SAVING = 'Still saving the last change… one moment.';
