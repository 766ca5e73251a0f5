/**
 * Ctrl+Z for the reader's own grades in this window, across Library and Review. Undo never erases:
 * main writes a new event restoring the previous value, and refuses if someone graded the image since.
 */
import { call } from './api';
import { session } from './session.svelte';

/** Each entry is one action: a single grade, or a bulk grade of many images. */
const stack = $state<number[][]>([]);

export const undoState = {
  get available() {
    return stack.length > 0;
  },
};

export function rememberForUndo(eventIds: number[]): void {
  if (eventIds.length) stack.push(eventIds);
}

/** Undoes the last action; returns the ids of the images it changed. Throws a CallError when refused. */
export async function undoLast(): Promise<number[]> {
  if (!session.reader) return [];
  // A refused undo (someone graded the image since) can never succeed later, so it leaves the stack too.
  const eventIds = stack.pop();
  if (!eventIds) return [];
  if (eventIds.length === 1) return [(await call('labels.undo', { eventId: eventIds[0]!, readerId: session.reader.id })).imageId];
  const events = await call('labels.undoMany', { eventIds, readerId: session.reader.id });
  return events.map((event) => event.imageId);
}
