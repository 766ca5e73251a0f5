import { TASK_KINDS, type TaskKind, type TaskSpec } from '../../shared/domain';
import { validateLabelValue } from '../../shared/labels';
import { expectedTables, schemaVersion, type Db } from './database';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** A damaged table can yield many bad rows; the first few say enough. */
const MAX_PER_CHECK = 20;

/** Every timestamp column Gradedesk writes, all ISO 8601 (`new Date().toISOString()`). */
const TIME_COLUMNS: ReadonlyArray<{ table: string; column: string; nullable?: boolean }> = [
  { table: 'projects', column: 'created_at' },
  { table: 'readers', column: 'created_at' },
  { table: 'readers', column: 'disabled_at', nullable: true },
  { table: 'sessions', column: 'created_at' },
  { table: 'sessions', column: 'expires_at' },
  { table: 'sessions', column: 'ended_at', nullable: true },
  { table: 'images', column: 'imported_at' },
  { table: 'images', column: 'label_updated_at', nullable: true },
  { table: 'label_events', column: 'created_at' },
  { table: 'models', column: 'created_at' },
  { table: 'models', column: 'finished_at', nullable: true },
];

/**
 * Everything wrong with a database: SQLite's own integrity and foreign-key checks, then Gradedesk's
 * invariants (the tables of its schema version, well-formed JSON, label values that fit their project's
 * task and classes, parseable times, current labels that match their latest event). Never throws: a
 * check that cannot even read its table reports that as a problem.
 */
export function integrityProblems(db: Db): string[] {
  const problems: string[] = [];
  const run = (what: string, check: () => string[]) => {
    try {
      const found = check();
      problems.push(...found.slice(0, MAX_PER_CHECK));
      if (found.length > MAX_PER_CHECK) problems.push(`… and ${found.length - MAX_PER_CHECK} more problems with ${what}.`);
    } catch (error) {
      problems.push(`SQLite could not read ${what}: ${error instanceof Error ? error.message : String(error)}.`);
    }
  };
  run('the database pages', () => (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check).filter((line) => line !== 'ok'));
  if (problems.length) return problems; // Damaged pages: the row checks would only repeat them, or read garbage.
  run('the schema', () => {
    const version = schemaVersion(db);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name));
    return expectedTables(version).filter((table) => !tables.has(table)).map((table) => `Table ${table} of schema version ${version} is missing.`);
  });
  if (problems.length) return problems;
  run('the foreign keys', () =>
    (db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>).map(
      (row) => `${row.table} row ${row.rowid} points to a missing ${row.parent} row`,
    ),
  );
  const tasks = new Map<number, TaskSpec>();
  run('the projects', () => projectProblems(db, tasks));
  run('the images', () => imageProblems(db));
  run('the labels', () => labelProblems(db, tasks));
  run('the label events', () => eventProblems(db, tasks));
  run('the times', () => timeProblems(db));
  return problems;
}

function projectProblems(db: Db, tasks: Map<number, TaskSpec>): string[] {
  const problems: string[] = [];
  for (const row of db.prepare('SELECT id, name, task_kind, classes FROM projects').iterate() as Iterable<{ id: number; name: string; task_kind: string; classes: string }>) {
    const classes = parseJson(row.classes);
    if (!TASK_KINDS.includes(row.task_kind as TaskKind)) problems.push(`Project ${row.id} has an unknown task "${row.task_kind}".`);
    else if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string')) {
      problems.push(`Project ${row.id} ("${row.name}") has classes that are not a list of names: ${row.classes.slice(0, 80)}`);
    } else tasks.set(row.id, { kind: row.task_kind as TaskKind, classes });
  }
  return problems;
}

/** Columns whose values Gradedesk alone writes, in shapes it alone chooses. */
function imageProblems(db: Db): string[] {
  const problems: string[] = [];
  const rows = db.prepare('SELECT id, file_name, stem, sha256, status, duplicate_kind, eye FROM images').iterate() as Iterable<{
    id: number; file_name: unknown; stem: unknown; sha256: unknown; status: unknown; duplicate_kind: unknown; eye: unknown;
  }>;
  for (const row of rows) {
    // A file refused by its header is never read whole, so it has no hash.
    const unhashed = row.status === 'error' && row.sha256 === '';
    if (!unhashed && (typeof row.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(row.sha256))) problems.push(`Image ${row.id}'s content hash is not a SHA-256: ${JSON.stringify(row.sha256)}.`);
    if (row.status !== 'ok' && row.status !== 'error') problems.push(`Image ${row.id} has an unknown status ${JSON.stringify(row.status)}.`);
    if (row.duplicate_kind !== null && row.duplicate_kind !== 'exact' && row.duplicate_kind !== 'near') problems.push(`Image ${row.id} has an unknown duplicate kind ${JSON.stringify(row.duplicate_kind)}.`);
    if (row.eye !== null && row.eye !== 'left' && row.eye !== 'right') problems.push(`Image ${row.id} has an unknown eye ${JSON.stringify(row.eye)}.`);
    if (typeof row.file_name !== 'string' || typeof row.stem !== 'string' || !row.file_name.startsWith(row.stem)) {
      problems.push(`Image ${row.id}'s name ${JSON.stringify(row.file_name)} does not start with its stem ${JSON.stringify(row.stem)}.`);
    }
  }
  const events = db.prepare('SELECT id, source FROM label_events').iterate() as Iterable<{ id: number; source: unknown }>;
  for (const event of events) {
    if (!['reader', 'import', 'adjudication', 'model-accepted'].includes(event.source as string)) problems.push(`Label event ${event.id} has an unknown source ${JSON.stringify(event.source)}.`);
  }
  return problems;
}

/** The current label of every image: JSON, fits the task, and equals the value of the event it names. */
function labelProblems(db: Db, tasks: Map<number, TaskSpec>): string[] {
  const problems: string[] = [];
  const rows = db
    .prepare(
      `SELECT i.id, i.project_id, i.label_value, i.label_class, i.label_mask, i.label_event_id, e.id AS event_id, e.image_id AS event_image, e.value AS event_value
       FROM images i LEFT JOIN label_events e ON e.id = i.label_event_id
       WHERE i.label_value IS NOT NULL OR i.label_event_id IS NOT NULL`,
    )
    .iterate() as Iterable<{ id: number; project_id: number; label_value: string | null; label_class: unknown; label_mask: unknown; label_event_id: number | null; event_id: number | null; event_image: number | null; event_value: string | null }>;
  for (const row of rows) {
    const task = tasks.get(row.project_id);
    if (row.label_value !== null) {
      const problem = valueProblem(row.label_value, task);
      if (problem) problems.push(`Image ${row.id}'s current label ${problem}.`);
      else if (task && !sameColumns(task, parseJson(row.label_value), row.label_class, row.label_mask)) {
        problems.push(`Image ${row.id}'s label columns disagree with its label ${row.label_value}.`);
      }
    }
    if (row.label_event_id !== null && row.event_id === null) problems.push(`Image ${row.id}'s current label names label event ${row.label_event_id}, which does not exist.`);
    else if (row.event_image !== null && row.event_image !== row.id) problems.push(`Image ${row.id}'s current label names label event ${row.event_id}, which belongs to image ${row.event_image}.`);
    else if (row.event_id !== null && row.label_value !== row.event_value) problems.push(`Image ${row.id}'s current label differs from its latest label event (${row.event_id}).`);
  }
  return problems;
}

function eventProblems(db: Db, tasks: Map<number, TaskSpec>): string[] {
  const problems: string[] = [];
  const rows = db
    .prepare('SELECT e.id, e.kind, e.value, e.previous_value, i.project_id FROM label_events e JOIN images i ON i.id = e.image_id')
    .iterate() as Iterable<{ id: number; kind: string; value: string | null; previous_value: string | null; project_id: number }>;
  for (const row of rows) {
    const task = tasks.get(row.project_id);
    for (const [column, text] of [['value', row.value], ['previous value', row.previous_value]] as const) {
      const problem = text === null ? null : row.kind === 'label' ? valueProblem(text, task) : flagOrNoteProblem(row.kind, text);
      if (problem) problems.push(`Label event ${row.id}'s ${column} ${problem}.`);
    }
  }
  return problems;
}

/** An ungradable event holds true or false, a note event a text (JSON). */
function flagOrNoteProblem(kind: string, text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'is not valid JSON';
  }
  if (kind === 'ungradable') return typeof value === 'boolean' ? null : `is not true or false (${text.slice(0, 40)})`;
  if (kind === 'note') return typeof value === 'string' ? null : 'is not a text';
  return `belongs to an unknown kind of event "${kind}"`;
}

function timeProblems(db: Db): string[] {
  const problems: string[] = [];
  for (const { table, column, nullable } of TIME_COLUMNS) {
    const rows = db.prepare(`SELECT rowid AS id, ${column} AS time FROM ${table}${nullable ? ` WHERE ${column} IS NOT NULL` : ''}`).iterate() as Iterable<{ id: number; time: unknown }>;
    for (const row of rows) {
      if (typeof row.time !== 'string' || !ISO_TIME.test(row.time) || Number.isNaN(Date.parse(row.time))) {
        problems.push(`${table} row ${row.id} has a ${column} that is not a time: ${JSON.stringify(row.time)}.`);
      }
    }
  }
  return problems;
}

/** What is wrong with a stored label value for its project's task, or null when it fits. */
function valueProblem(text: string, task: TaskSpec | undefined): string | null {
  const value = parseJson(text);
  if (value === undefined) return `is not valid JSON (${JSON.stringify(text.slice(0, 40))})`;
  if (!task) return null; // The project itself was reported.
  try {
    validateLabelValue(task, value);
    return null;
  } catch (error) {
    return `does not fit its project: ${(error as Error).message}`;
  }
}

/** The class index and bit mask the grid filters on, as the label store writes them beside the value. */
function sameColumns(task: TaskSpec, value: unknown, labelClass: unknown, labelMask: unknown): boolean {
  if (task.kind !== 'multilabel') return labelClass === value && labelMask === null;
  return labelClass === null && labelMask === (value as number[]).reduce((mask, index) => mask + 2 ** index, 0);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
