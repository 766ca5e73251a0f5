// The one way Gradedesk writes CSV: every file it produces goes through `toCsv`, so that no cell can
// run as a formula when the file is opened in a spreadsheet (CSV or formula injection, OWASP).
import { stringify } from 'csv-stringify/sync';

/**
 * A cell's type is its column's decision. Numeric columns (grades, ids, flags) carry JS numbers: they
 * are data, written as they are so that a spreadsheet still computes with them (a grade of -1 stays
 * -1), and a number cannot hold a formula since it prints as digits, a sign, a point and an exponent
 * only. Every text column (names, groups, readers, notes, label names, label lists) carries strings,
 * which are neutralised even when they look like numbers: to a spreadsheet "-1+1" is a formula.
 */
export type CsvCell = string | number | null;

export interface CsvTable {
  text: string;
  /** Data rows, without the header (a quoted note may span several lines of `text`). */
  rows: number;
}

/**
 * A header and its rows as CSV. Text cells are all quoted; one that begins with = + - @, a tab or a
 * carriage return (or their full-width forms) gets a leading single quote, and so does one that
 * already begins with a single quote, so that `originalText` gives back exactly what was written.
 */
export function toCsv(columns: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): CsvTable {
  const text = stringify(
    rows.map((row) => row.map((cell) => cell ?? '')),
    {
      header: true,
      columns: [...columns],
      quoted_string: true,
      escape_formulas: true,
      cast: {
        string: (value) => (value.startsWith("'") ? `'${value}` : value),
        number: (value) => ({ value: String(value), escape_formulas: false, quoted: false }),
      },
    },
  );
  return { text, rows: rows.length };
}

/** The text a `toCsv` text cell was written from (read back with a CSV parser). */
export function originalText(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell;
}
