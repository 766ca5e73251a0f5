/**
 * Ctrl+Z for the reader's own actions in this window, across Library and Review: grades, bulk grades,
 * ungradable flags and notes, the most recent first whatever its kind. Undo never erases: main writes a
 * new event restoring the previous value, and refuses if the image was changed again since.
 */
import type { ImageEvent } from '../../../shared/domain';
import { call } from './api';
import { session } from './session.svelte';

/** Each entry is one action: a grade, a flag or a note of one image, or a bulk grade of many images. */
const stack = $state<number[][]>([]);

export const undoState = {
  get available() {
    return stack.length > 0;
  },
};

export function rememberForUndo(eventIds: number[]): void {
  if (eventIds.length) stack.push(eventIds);
}

/** Undoes the last action; returns the events that undid it. Throws a CallError when refused. */
export async function undoLast(): Promise<ImageEvent[]> {
  if (!session.reader) return [];
  // A refused undo (someone graded the image since) can never succeed later, so it leaves the stack too.
  const eventIds = stack.pop();
  if (!eventIds) return [];
  if (eventIds.length === 1) return [await call('labels.undo', { eventId: eventIds[0]!, readerId: session.reader.id })];
  return call('labels.undoMany', { eventIds, readerId: session.reader.id });
}
