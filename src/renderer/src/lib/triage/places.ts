/**
 * What the Triage view remembers between sessions: the order each project is triaged in, whether
 * reviewed images are listed, and, per project and order, where in the queue the reader was.
 */
import { TRIAGE_ORDERS, type TriageOrder } from '../../../../shared/triage';
import type { TaskSpec } from '../../../../shared/domain';

export const TRIAGE_MEMORY_KEY = 'gradedesk.triage';

/** An image of the queue and its index then: the image if it is still there, else the same index. */
export interface QueuePlace {
  imageId: number;
  index: number;
}

export interface TriageMemory {
  orders: Record<string, TriageOrder>;
  places: Record<string, QueuePlace>;
  includeReviewed: boolean;
}

export const placeKey = (projectId: number, order: TriageOrder): string => `${projectId}:${order}`;

/** Referable first for DR grading; other tasks have no referable probability. */
export const defaultOrder = (task: TaskSpec): TriageOrder => (task.kind === 'dr-grade' ? 'referable' : 'uncertainty');

const isOrder = (value: unknown): value is TriageOrder => TRIAGE_ORDERS.includes(value as TriageOrder);
const isPlace = (value: unknown): value is QueuePlace =>
  typeof value === 'object' && value !== null && Number.isInteger((value as QueuePlace).imageId) && Number.isInteger((value as QueuePlace).index) && (value as QueuePlace).index >= 0;

/** The saved memory, keeping only what still makes sense (an edited or older entry is dropped, not trusted). */
export function readMemory(text: string | null): TriageMemory {
  const memory: TriageMemory = { orders: {}, places: {}, includeReviewed: false };
  let saved: unknown;
  try {
    saved = JSON.parse(text ?? 'null');
  } catch {
    return memory;
  }
  if (typeof saved !== 'object' || saved === null) return memory;
  const { orders, places, includeReviewed } = saved as Partial<Record<keyof TriageMemory, unknown>>;
  if (typeof orders === 'object' && orders !== null) {
    for (const [project, order] of Object.entries(orders)) if (isOrder(order)) memory.orders[project] = order;
  }
  if (typeof places === 'object' && places !== null) {
    for (const [key, place] of Object.entries(places)) if (isPlace(place)) memory.places[key] = { imageId: place.imageId, index: place.index };
  }
  memory.includeReviewed = includeReviewed === true;
  return memory;
}

/**
 * Where the queue resumes: the remembered image if it is still listed; otherwise the index it had,
 * which after a grade holds the image that followed it; 0 without a place.
 */
export function resumeIndex(ids: readonly number[], length: number, place: QueuePlace | null): number {
  if (!place || length === 0) return 0;
  const found = ids.indexOf(place.imageId);
  if (found >= 0) return found;
  return Math.min(place.index, length - 1);
}
