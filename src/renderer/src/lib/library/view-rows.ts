/** Fetching a long stretch of a grid view (for Ctrl+A or a Shift+click range) in chunks the api allows. */
import type { GridRow } from '../../../../shared/domain';
import { call } from '../api';
import type { GridView } from './grid-pages.svelte';

const CHUNK = 1000;

export interface ViewStretch {
  ids: number[];
  /** Those of `ids` that could not be imported, which cannot be graded. */
  errorIds: number[];
}

/**
 * The images at positions `from`..`to` (inclusive) of the view. `onProgress` hears how many have
 * arrived; `isCancelled` is asked between chunks (the user changed the view or pressed Escape).
 */
export async function fetchStretch(
  view: GridView,
  from: number,
  to: number,
  onProgress: (done: number) => void = () => undefined,
  isCancelled: () => boolean = () => false,
): Promise<ViewStretch | null> {
  const stretch: ViewStretch = { ids: [], errorIds: [] };
  for (let offset = from; offset <= to; offset += CHUNK) {
    if (isCancelled()) return null;
    const { rows } = await call('images.page', { ...view, offset, limit: Math.min(CHUNK, to - offset + 1) });
    add(stretch, rows);
    onProgress(stretch.ids.length);
    if (rows.length < CHUNK) break;
  }
  return isCancelled() ? null : stretch;
}

function add(stretch: ViewStretch, rows: GridRow[]): void {
  for (const row of rows) {
    stretch.ids.push(row.id);
    if (row.status === 'error') stretch.errorIds.push(row.id);
  }
}
