/** The confusion matrix as a table: rows are the reader's label, columns the model's. */

export interface ConfusionCell {
  count: number;
  /** The cell's share of its row (of the images the reader gave that label); null for an empty row. */
  rowShare: number | null;
  diagonal: boolean;
}

export function confusionCells(matrix: readonly (readonly number[])[]): ConfusionCell[][] {
  return matrix.map((row, r) => {
    const total = row.reduce((sum, n) => sum + n, 0);
    return row.map((count, c) => ({ count, rowShare: total > 0 ? count / total : null, diagonal: r === c }));
  });
}

export const rowTotals = (matrix: readonly (readonly number[])[]): number[] => matrix.map((row) => row.reduce((sum, n) => sum + n, 0));

export const columnTotals = (matrix: readonly (readonly number[])[]): number[] =>
  (matrix[0] ?? []).map((_, c) => matrix.reduce((sum, row) => sum + (row[c] ?? 0), 0));

/** Cell shading: the row share as an opacity, with a floor so a non-empty cell is never invisible. */
export function shadeOpacity(cell: ConfusionCell): number {
  if (cell.rowShare === null || cell.count === 0) return 0;
  return 0.12 + 0.68 * cell.rowShare;
}
