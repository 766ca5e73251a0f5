/**
 * What Review moves through with ←/→ and returns to with Esc: the Library's filtered, sorted view, the
 * triage queue when Review was opened from Triage, or the reader's work queue ("Grade my queue", under a
 * double protocol). Review itself is the same for all three.
 */
import type { ViewPosition } from '../../../../shared/domain';
import type { WorkQueuePosition } from '../../../../shared/protocols';
import { TRIAGE_ORDER_INFO, type TriagePosition } from '../../../../shared/triage';
import { call } from '../api';
import { currentView, library, session } from '../session.svelte';
import { queuePlace, rememberQueuePlace, triage, useProject } from '../triage/triage.svelte';
import { positionText } from './format';
import { nothingLeftText, queueEndText, queuePositionText } from './work-queue-text';

export type ReviewPosition = ViewPosition | TriagePosition | WorkQueuePosition;

const inTriage = (position: ReviewPosition): position is TriagePosition => 'counts' in position && 'reviewed' in position.counts;
const inWorkQueue = (position: ReviewPosition): position is WorkQueuePosition => 'counts' in position && 'owed' in position.counts;

/** Whether Review follows the triage queue; takes up the project's remembered order when it does (after a reload, Triage has not been shown yet). */
function fromTriage(): boolean {
  if (session.reviewSource !== 'triage' || !session.project) return false;
  useProject(session.project.id, session.project.task);
  return true;
}

/** The project and reader whose work queue Review follows, or null when it follows another list. */
function workQueue(): { projectId: number; readerId: number } | null {
  if (session.reviewSource !== 'queue' || !session.project) return null;
  if (!session.reader) throw new Error('Choose a reader first (the Reader button at the top right): the queue is the images a reader still owes.');
  return { projectId: session.project.id, readerId: session.reader.id };
}

/** Where an image stands in the list Review follows; in the triage queue, Review's place is remembered as it moves. */
export async function locateForReview(imageId: number): Promise<ReviewPosition> {
  const mine = workQueue();
  if (mine) return call('queue.locate', { ...mine, imageId });
  if (!fromTriage()) return call('images.locate', { view: currentView(), imageId });
  const projectId = session.project!.id;
  const order = triage.order;
  const located = await call('triage.locate', { projectId, order, imageId, includeReviewed: triage.includeReviewed });
  if (located.index >= 0) rememberQueuePlace(projectId, order, { imageId, index: located.index });
  return located;
}

/**
 * Whether the reader's own change of an image (its label, or its ungradable flag or note) may move it in
 * the list Review follows, so that its place must be asked for again; otherwise it stays where it was.
 * The triage queue counts reviewed images and the work queue owed ones, so any grade or flag changes
 * their place; notes change no list.
 */
export function placeDependsOn(change: 'label' | 'flag' | 'note'): boolean {
  if (change === 'note') return false;
  if (session.reviewSource === 'triage' || session.reviewSource === 'queue') return true;
  const { filter, sort } = currentView();
  if (filter.conflicts) return true;
  return change === 'label' ? Boolean(filter.unlabelled) || filter.label !== undefined || sort === 'label' : filter.ungradable !== undefined;
}

/**
 * Whether the place of an image that has left its list still names the neighbours it had there, with counts
 * as they are now: the work queue's does (it knows the queue's whole order); other lists answer without
 * neighbours, and Review keeps the ones it knew.
 */
export const placeKeptOutside = (position: ReviewPosition): boolean => inWorkQueue(position);

/** The image Review opens with when none is chosen: the Library's focused image, the triage queue's remembered place, or the first image the reader owes. */
export async function firstForReview(): Promise<{ imageId: number } | { problem: string }> {
  const mine = workQueue();
  if (mine) {
    const next = await call('queue.next', mine);
    return next.imageId === null ? { problem: nothingLeftText(next.graded) } : { imageId: next.imageId };
  }
  if (!fromTriage()) {
    let page = await call('images.page', { ...currentView(), offset: library.focusIndex, limit: 1 });
    if (!page.rows.length && library.focusIndex > 0) page = await call('images.page', { ...currentView(), offset: 0, limit: 1 });
    if (page.rows.length) return { imageId: page.rows[0]!.id };
    return { problem: 'There are no images in the current Library view. Import images, or change the filter in the Library.' };
  }
  const projectId = session.project!.id;
  const request = { projectId, order: triage.order, includeReviewed: triage.includeReviewed, limit: 1 };
  let page = await call('triage.queue', { ...request, offset: queuePlace(projectId, triage.order)?.index ?? 0 });
  if (!page.items.length && page.offset > 0) page = await call('triage.queue', { ...request, offset: 0 });
  if (page.items.length) return { imageId: page.items[0]!.imageId };
  return { problem: `Nothing is left in the “${TRIAGE_ORDER_INFO[triage.order].title}” queue: ${page.reviewed} of ${page.total} reviewed. Press Esc for Triage.` };
}

/** Review's position line: "image 12 of 3,480 in this view", or the queue's place and counts. */
export function describePosition(position: ReviewPosition, leftView: boolean): string {
  if (inWorkQueue(position)) return queuePositionText(position, leftView);
  if (!inTriage(position)) return leftView ? 'no longer in this view (filtered out); ← / → go to its former neighbours' : positionText(position);
  const { reviewed, remaining } = position.counts;
  if (leftView) return `${reviewed} reviewed, ${remaining} remaining; this one is out of the queue, ← / → go to its former neighbours`;
  if (position.index < 0) return `not in the queue (reviewed, or not predicted) · ${reviewed} reviewed, ${remaining} remaining`;
  return `${position.index + 1} of ${position.total} ${triage.includeReviewed ? 'in the queue' : 'remaining'} · ${reviewed} reviewed`;
}

/** What ← or → says when there is no image that way. */
export function noImageThatWay(direction: 'previous' | 'next', position: ReviewPosition, leftView: boolean): string {
  if (inWorkQueue(position)) return queueEndText(direction);
  if (leftView) return `There is no ${direction} image in this view.`;
  if (position.index < 0) return 'This image is not in the current Library view, so there is no previous or next image. Press Esc for the Library.';
  return direction === 'next' ? 'This is the last image in this view.' : 'This is the first image in this view.';
}

/** What Review says after grading the last image of its list (with "Advance after grading"). */
export const afterLastImage = (): string =>
  session.reviewSource === 'queue' ? 'That was the last image of your queue.' : 'That was the last image in this view.';

/** Where Esc takes Review, as the button names it. */
export const sourceTitle = (): string => (session.reviewSource === 'triage' ? 'Triage' : 'Library');

/** Back to the Library or Triage, at the image Review was on when it is still in that list (the work queue came from the Library). */
export function leaveReview(imageId: number | null, position: ReviewPosition | null, leftView: boolean): void {
  const stillThere = position !== null && position.index >= 0 && !leftView;
  if (fromTriage()) {
    if (stillThere && imageId !== null) rememberQueuePlace(session.project!.id, triage.order, { imageId, index: position.index });
    session.view = 'triage';
    return;
  }
  // A place in the work queue is no place in the Library's grid, whose focus stays where it was.
  if (stillThere && session.reviewSource === 'library') library.focusIndex = position.index;
  session.view = 'library';
}
