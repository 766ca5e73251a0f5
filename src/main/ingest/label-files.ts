import { parse } from 'csv-parse/sync';
import type { LabelValue, TaskKind, TaskSpec } from '../../shared/domain';
import { invalid } from '../../shared/errors';
import type { LabelProblemKind as ImportLabelProblemKind } from '../../shared/import-report';
import { FileTooLargeError, formatBytes, NotRegularFileError, readRegularFile } from './regular-file';

export type LabelFileFormat = 'aptos' | 'eyepacs' | 'ham10000' | 'hpa' | 'generic';

export interface LabelRow {
  /** 1-based line in the file where the row starts. */
  line: number;
  /** The image name as written, without directories or an image extension. */
  imageKey: string;
  value: LabelValue;
  /** An explicit group from the file, e.g. the HAM10000 lesion_id. */
  groupId?: string;
  /** The other non-empty columns by lower-case header name, e.g. age, sex, localization, dx_type, note. */
  meta?: Record<string, string>;
}

export type LabelProblemKind = Exclude<ImportLabelProblemKind, 'unknown-image'>;

export interface LabelProblem {
  line: number;
  kind: LabelProblemKind;
  message: string;
}

export interface LabelFileParse {
  format: LabelFileFormat;
  rows: LabelRow[];
  problems: LabelProblem[];
}

interface FormatSpec {
  format: LabelFileFormat;
  title: string;
  /** How the header is shown to the user when a file is not recognised. */
  header: string;
  imageColumn: string;
  labelColumn: string;
  groupColumn?: string;
  tasks: readonly TaskKind[];
  /** What the labels are, for the task mismatch error. */
  labels: string;
}

const FORMATS: readonly FormatSpec[] = [
  {
    format: 'aptos', title: 'APTOS', header: 'id_code,diagnosis', imageColumn: 'id_code', labelColumn: 'diagnosis',
    tasks: ['dr-grade'], labels: 'diabetic-retinopathy grades',
  },
  {
    format: 'eyepacs', title: 'EyePACS', header: 'image,level', imageColumn: 'image', labelColumn: 'level',
    tasks: ['dr-grade'], labels: 'diabetic-retinopathy grades',
  },
  {
    format: 'ham10000', title: 'HAM10000', header: 'image_id,dx[,lesion_id]', imageColumn: 'image_id', labelColumn: 'dx',
    groupColumn: 'lesion_id', tasks: ['multiclass'], labels: 'one diagnosis per image',
  },
  {
    format: 'hpa', title: 'HPA', header: 'Id,Target', imageColumn: 'id', labelColumn: 'target',
    tasks: ['multilabel'], labels: 'several protein-location labels per image',
  },
  {
    format: 'generic', title: 'generic', header: 'file,label[,group][,note]', imageColumn: 'file', labelColumn: 'label',
    groupColumn: 'group', tasks: ['dr-grade', 'multiclass', 'multilabel'], labels: 'labels of any task',
  },
];

const IMAGE_EXTENSION = /\.(jpe?g|png|tiff?|bmp|webp)$/i;
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;
const INDEX = /^\d+$/;

/** Label files of real datasets are a few megabytes (EyePACS' 35,126 rows: 0.5 MB); anything far larger is not one. */
export const MAX_LABEL_FILE_BYTES = 64 * 2 ** 20;

/**
 * Reads and parses a label file. Only a regular file is read (a FIFO would block for ever), at most
 * MAX_LABEL_FILE_BYTES of it, and no error quotes its contents: the path may name any file on the
 * machine, and its text must not come back in an error that jobs.list and job events show.
 */
export async function readLabelFile(path: string, task: TaskSpec, signal?: AbortSignal): Promise<LabelFileParse> {
  const bytes = await readRegularFile(path, MAX_LABEL_FILE_BYTES, signal).catch((error: NodeJS.ErrnoException) => {
    if (signal?.aborted) throw error;
    if (error instanceof NotRegularFileError) throw invalid(`The label file "${path}" ${error.message}.`);
    if (error instanceof FileTooLargeError) {
      throw invalid(`The label file "${path}" is larger than ${formatBytes(error.limit)}; label files are far smaller, so this is not one.`);
    }
    throw invalid(`The label file "${path}" could not be read (${error.code ?? error.message}).`);
  });
  if (bytes.includes(0)) throw invalid(`The label file "${path}" is not a text file (it holds binary data); a label file is CSV text.`);
  try {
    return parseLabelFile(bytes.toString('utf8'), task);
  } catch (error) {
    throw invalid(`${path}: ${(error as Error).message}`);
  }
}

export function parseLabelFile(text: string, task: TaskSpec): LabelFileParse {
  const [header, ...body] = readCsv(text);
  if (!header) throw invalid('The label file is empty.');
  const spec = recogniseFormat(header.cells);
  checkFormatFitsTask(spec, task);
  if (body.length === 0) throw invalid(`The label file has a header (${spec.title}) but no label rows.`);

  const columns = header.cells.map(name => name.toLowerCase());
  const rowsByImage = new Map<string, LabelRow>();
  const problems: LabelProblem[] = [];
  for (const record of body) {
    const read = readRow(record, columns, spec, task);
    if ('kind' in read) problems.push(read);
    else keepLatest(rowsByImage, read, problems);
  }
  return { format: spec.format, rows: [...rowsByImage.values()], problems };
}

/** The image name a label file and an image file share: `train/abc.png` → `abc`. */
export function imageKeyOf(written: string): string {
  const fileName = written.split(/[\\/]/).pop() ?? '';
  return fileName.replace(IMAGE_EXTENSION, '');
}

interface CsvRecord {
  line: number;
  cells: string[];
}

function readCsv(text: string): CsvRecord[] {
  // csv-parse counts the \r and the \n of a CRLF inside a quoted field as two lines; one line break keeps line numbers true.
  const unified = text.replace(/\r\n?/g, '\n');
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    const options = { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true };
    parsed = parse(unified, options) as unknown as typeof parsed;
  } catch (error) {
    // csv-parse's messages quote the offending value; keep only what went wrong and where.
    const { message, lines } = error as Error & { lines?: number };
    const what = message.split(':')[0]!.trim().toLowerCase();
    throw invalid(`The label file is not valid CSV: ${what}${lines ? `, at line ${lines}` : ''}.`);
  }
  return parsed
    .map(({ record, info }) => ({ line: startLine(info.lines, record), cells: record.map(cell => cell.trim()) }))
    .filter(record => record.cells.some(cell => cell !== ''));
}

/** csv-parse reports the line a record ends on; quoted fields can span lines. */
function startLine(endLine: number, cells: string[]): number {
  const lineBreaks = cells.reduce((count, cell) => count + (cell.match(/\n/g)?.length ?? 0), 0);
  return endLine - lineBreaks;
}

/**
 * The format whose image and label columns the header names. When none does, the error says which of the
 * known column names it found, never the header itself: the file may be any file on the machine.
 */
function recogniseFormat(headerCells: string[]): FormatSpec {
  const names = new Set(headerCells.map(name => name.toLowerCase()));
  const spec = FORMATS.find(format => names.has(format.imageColumn) && names.has(format.labelColumn));
  if (spec) return spec;
  const expected = FORMATS.map(format => `${format.header} (${format.title})`).join('; ');
  const known = [...new Set(FORMATS.flatMap(format => [format.imageColumn, format.labelColumn]))].filter(name => names.has(name));
  const found = known.length
    ? ` Of the column names Gradedesk knows, it has only ${known.map(name => `"${name}"`).join(' and ')}, not a format's image and label columns together.`
    : '';
  throw invalid(`The first line of the label file is not a header Gradedesk recognises.${found} Expected one of: ${expected}.`);
}

function checkFormatFitsTask(spec: FormatSpec, task: TaskSpec): void {
  if (spec.tasks.includes(task.kind)) return;
  throw invalid(
    `This ${spec.title} label file holds ${spec.labels}, which do not fit a ${task.kind} project ` +
      `(${spec.title} files go into a ${spec.tasks.join(' or ')} project).`,
  );
}

function readRow(record: CsvRecord, columns: string[], spec: FormatSpec, task: TaskSpec): LabelRow | LabelProblem {
  const { line, cells } = record;
  const malformed = (reason: string): LabelProblem => ({ line, kind: 'malformed-row', message: `Line ${line} ${reason}.` });
  if (cells.length !== columns.length) {
    return malformed(`("${cells.join(',')}") has ${cells.length} fields where the header has ${columns.length}`);
  }
  const cell = (column: string) => cells[columns.indexOf(column)] ?? '';
  const imageKey = imageKeyOf(cell(spec.imageColumn));
  const written = cell(spec.labelColumn);
  if (imageKey === '') return malformed(`has no image name ("${cells.join(',')}")`);
  if (written === '') return malformed(`has no label for image "${imageKey}"`);

  const reading = readValue(written, task);
  if ('kind' in reading) return { line, kind: reading.kind, message: `Line ${line}, image "${imageKey}": ${reading.reason}.` };

  const row: LabelRow = { line, imageKey, value: reading.value };
  const groupId = spec.groupColumn ? cell(spec.groupColumn) : '';
  if (groupId !== '') row.groupId = groupId;
  const meta = otherColumns(columns, cells, spec);
  if (meta) row.meta = meta;
  return row;
}

function otherColumns(columns: string[], cells: string[], spec: FormatSpec): Record<string, string> | undefined {
  const used = [spec.imageColumn, spec.labelColumn, spec.groupColumn];
  const entries = columns
    .map((column, index) => [column, cells[index] ?? ''] as const)
    .filter(([column, value]) => column !== '' && value !== '' && !used.includes(column));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** Same image twice: the same value is kept once; a different value replaces the earlier row and is reported. */
function keepLatest(rowsByImage: Map<string, LabelRow>, row: LabelRow, problems: LabelProblem[]): void {
  const earlier = rowsByImage.get(row.imageKey);
  if (earlier && sameValue(earlier.value, row.value)) return;
  if (earlier) {
    problems.push({
      line: row.line,
      kind: 'duplicate-row',
      message:
        `Line ${row.line} labels image "${row.imageKey}" as ${JSON.stringify(row.value)} but line ${earlier.line} ` +
        `labelled it ${JSON.stringify(earlier.value)}; the later label is kept.`,
    });
    rowsByImage.delete(row.imageKey);
  }
  rowsByImage.set(row.imageKey, row);
}

function sameValue(a: LabelValue, b: LabelValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

type Reading = { value: LabelValue } | { kind: LabelProblemKind; reason: string };

function readValue(written: string, task: TaskSpec): Reading {
  if (task.kind === 'dr-grade') return readGrade(written, task.classes);
  if (task.kind === 'multiclass') return readClass(written, task.classes);
  return readLabelSet(written, task.classes);
}

/** A grade number (`2` or `2.0`) or a grade name such as `Moderate NPDR`. */
function readGrade(written: string, gradeNames: string[]): Reading {
  const named = indexByName(written, gradeNames);
  if (named !== undefined) return { value: named };
  if (!DECIMAL.test(written)) return { kind: 'malformed-row', reason: `grade "${written}" is not a number` };
  const grade = Number(written);
  const top = gradeNames.length - 1;
  if (Number.isInteger(grade) && grade >= 0 && grade <= top) return { value: grade };
  return { kind: 'out-of-range-grade', reason: `grade "${written}" is not a whole grade from 0 to ${top}` };
}

function readClass(written: string, classes: string[]): Reading {
  const index = classIndex(written, classes);
  if (index !== undefined) return { value: index };
  return {
    kind: 'unknown-class',
    reason: `class "${written}" is not one of ${classes.join(', ')} (or an index 0 to ${classes.length - 1})`,
  };
}

/** Label names or indices separated by `;` (names may contain spaces) or by spaces, as in HPA's `16 0`. */
function readLabelSet(written: string, labels: string[]): Reading {
  const indices: number[] = [];
  for (const token of splitLabels(written, labels)) {
    const index = classIndex(token, labels);
    if (index === undefined) {
      return {
        kind: 'unknown-class',
        reason: `label "${token}" is neither a label name of this project nor an index 0 to ${labels.length - 1}`,
      };
    }
    indices.push(index);
  }
  if (indices.length === 0) return { kind: 'malformed-row', reason: `"${written}" names no labels` };
  return { value: [...new Set(indices)].sort((a, b) => a - b) };
}

function splitLabels(written: string, labels: string[]): string[] {
  if (written.includes(';')) return written.split(';').map(token => token.trim()).filter(token => token !== '');
  if (indexByName(written, labels) !== undefined) return [written];
  return written.split(/\s+/);
}

function classIndex(written: string, classes: string[]): number | undefined {
  const named = indexByName(written, classes);
  if (named !== undefined) return named;
  if (!INDEX.test(written)) return undefined;
  const index = Number(written);
  return index < classes.length ? index : undefined;
}

function indexByName(written: string, names: string[]): number | undefined {
  const wanted = written.toLowerCase();
  const index = names.findIndex(name => name.toLowerCase() === wanted);
  return index >= 0 ? index : undefined;
}
