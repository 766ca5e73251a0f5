/**
 * The triage queue's shared state: the order and whether reviewed images are listed (which Review
 * follows when it was opened from Triage), and the remembered places, kept in localStorage.
 */
import type { TriageOrder } from '../../../../shared/triage';
import type { TaskSpec } from '../../../../shared/domain';
import { defaultOrder, placeKey, readMemory, TRIAGE_MEMORY_KEY, type QueuePlace, type TriageMemory } from './places';

export const triage = $state({
  /** The project the order below belongs to. */
  projectId: null as number | null,
  order: 'referable' as TriageOrder,
  includeReviewed: false,
});

const memory = (): TriageMemory => readMemory(localStorage.getItem(TRIAGE_MEMORY_KEY));
const save = (next: TriageMemory) => localStorage.setItem(TRIAGE_MEMORY_KEY, JSON.stringify(next));

/** Takes up the project's remembered order (or its task's default), once per project. */
export function useProject(projectId: number, task: TaskSpec): void {
  if (triage.projectId === projectId) return;
  const saved = memory();
  triage.projectId = projectId;
  triage.order = saved.orders[projectId] ?? defaultOrder(task);
  triage.includeReviewed = saved.includeReviewed;
}

export function chooseOrder(order: TriageOrder): void {
  triage.order = order;
  const saved = memory();
  if (triage.projectId !== null) saved.orders[triage.projectId] = order;
  save(saved);
}

export function chooseIncludeReviewed(include: boolean): void {
  triage.includeReviewed = include;
  save({ ...memory(), includeReviewed: include });
}

export function queuePlace(projectId: number, order: TriageOrder): QueuePlace | null {
  return memory().places[placeKey(projectId, order)] ?? null;
}

export function rememberQueuePlace(projectId: number, order: TriageOrder, place: QueuePlace): void {
  const saved = memory();
  saved.places[placeKey(projectId, order)] = place;
  save(saved);
}
