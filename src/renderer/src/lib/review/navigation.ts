/**
 * What Review moves through with ←/→ and returns to with Esc: the Library's filtered, sorted view,
 * or the triage queue when Review was opened from Triage. Review itself is the same for both.
 */
import type { ViewPosition } from '../../../../shared/domain';
import { TRIAGE_ORDER_INFO, type TriagePosition } from '../../../../shared/triage';
import { call } from '../api';
import { currentView, library, session } from '../session.svelte';
import { queuePlace, rememberQueuePlace, triage, useProject } from '../triage/triage.svelte';
import { positionText } from './format';

export type ReviewPosition = ViewPosition | TriagePosition;

const inQueue = (position: ReviewPosition): position is TriagePosition => 'counts' in position;
/** Whether Review follows the triage queue; takes up the project's remembered order when it does (after a reload, Triage has not been shown yet). */
function fromTriage(): boolean {
  if (session.reviewSource !== 'triage' || !session.project) return false;
  useProject(session.project.id, session.project.task);
  return true;
}

/** Where an image stands in the list Review follows; in the queue, Review's place is remembered as it moves. */
export async function locateForReview(imageId: number): Promise<ReviewPosition> {
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
 * The triage queue counts reviewed images, so any grade or flag changes its place; notes change no list.
 */
export function placeDependsOn(change: 'label' | 'flag' | 'note'): boolean {
  if (change === 'note') return false;
  if (session.reviewSource === 'triage') return true;
  const { filter, sort } = currentView();
  if (filter.conflicts) return true;
  return change === 'label' ? Boolean(filter.unlabelled) || filter.label !== undefined || sort === 'label' : filter.ungradable !== undefined;
}

/** The image Review opens with when none is chosen: the Library's focused image, or the queue's remembered place. */
export async function firstForReview(): Promise<{ imageId: number } | { problem: string }> {
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
  if (!inQueue(position)) return leftView ? 'no longer in this view (filtered out); ← / → go to its former neighbours' : positionText(position);
  const { reviewed, remaining } = position.counts;
  if (leftView) return `${reviewed} reviewed, ${remaining} remaining; this one is out of the queue, ← / → go to its former neighbours`;
  if (position.index < 0) return `not in the queue (reviewed, or not predicted) · ${reviewed} reviewed, ${remaining} remaining`;
  return `${position.index + 1} of ${position.total} ${triage.includeReviewed ? 'in the queue' : 'remaining'} · ${reviewed} reviewed`;
}

/** Where Esc takes Review, as the button names it. */
export const sourceTitle = (): string => (session.reviewSource === 'triage' ? 'Triage' : 'Library');

/** Back to the Library or Triage, at the image Review was on when it is still in that list. */
export function leaveReview(imageId: number | null, position: ReviewPosition | null, leftView: boolean): void {
  const stillThere = position !== null && position.index >= 0 && !leftView;
  if (fromTriage()) {
    if (stillThere && imageId !== null) rememberQueuePlace(session.project!.id, triage.order, { imageId, index: position.index });
    session.view = 'triage';
    return;
  }
  if (stillThere) library.focusIndex = position.index;
  session.view = 'library';
}
