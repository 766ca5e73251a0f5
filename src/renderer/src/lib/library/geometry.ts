/** The library grid's fixed cell box and the arithmetic of which rows are on screen. */

/** A 160 px thumbnail with padding, and a line for the file name and the label badge (GridCell.svelte's box). */
export const CELL_WIDTH = 176;
export const CELL_HEIGHT = 204;
/** Rows kept in the DOM above and below the visible ones, so a slow scroll never shows blank cells. */
const OVERSCAN_ROWS = 2;

export const columnsFor = (width: number): number => Math.max(1, Math.floor(width / CELL_WIDTH));

export const rowCountFor = (total: number, columns: number): number => Math.ceil(total / columns);

/** First and last row (inclusive) to render for a scroll position; empty when last < first. */
export function visibleRows(scrollTop: number, viewportHeight: number, rowCount: number): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / CELL_HEIGHT) - OVERSCAN_ROWS);
  const last = Math.min(rowCount - 1, Math.ceil((scrollTop + viewportHeight) / CELL_HEIGHT) + OVERSCAN_ROWS - 1);
  return { first, last };
}

/**
 * How many row slots the grid recycles: at least as many rows as `visibleRows` can return for this
 * viewport height, so that `row % slots` is unique among the rows on screen.
 */
export const rowSlots = (viewportHeight: number): number => Math.ceil(viewportHeight / CELL_HEIGHT) + 2 * OVERSCAN_ROWS + 2;

/** The scroll position that brings `row` fully into view, or null when it already is. */
export function scrollToShow(row: number, scrollTop: number, viewportHeight: number): number | null {
  const top = row * CELL_HEIGHT;
  const bottom = top + CELL_HEIGHT;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return null;
}

/** Where a navigation key moves the focus in a grid of `total` cells; null for keys that do not navigate. */
export function movedFocus(key: string, index: number, columns: number, total: number, rowsPerPage: number): number | null {
  if (total === 0) return null;
  const last = total - 1;
  const clamp = (next: number) => Math.min(last, Math.max(0, next));
  switch (key) {
    case 'ArrowLeft':
      return clamp(index - 1);
    case 'ArrowRight':
      return clamp(index + 1);
    case 'ArrowUp':
      return index - columns >= 0 ? index - columns : index;
    case 'ArrowDown':
      // From the last full row, ↓ goes to the last image rather than nowhere.
      return index + columns <= last ? index + columns : Math.floor(index / columns) < Math.floor(last / columns) ? last : index;
    case 'PageUp':
      return index - columns * rowsPerPage >= 0 ? index - columns * rowsPerPage : index % columns;
    case 'PageDown':
      return clamp(index + columns * rowsPerPage);
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}
