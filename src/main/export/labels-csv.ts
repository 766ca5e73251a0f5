import type { LabelValue, Project } from '../../shared/domain';
import { describeLabel } from '../../shared/labels';
import type { Store } from '../store';
import { storedJson } from '../store/failures';
import { toCsv, type CsvCell, type CsvTable } from './csv';

/** Label value as a CSV cell: a number, or space-separated label numbers (the HPA convention). */
const cell = (value: LabelValue | null): CsvCell => (Array.isArray(value) ? value.join(' ') : value);

/** The current label of every image in the project, one row per image. */
export function currentLabelsCsv(store: Store, project: Project): CsvTable {
  const rows = store.db
    .prepare(
      `SELECT i.id, i.stem, i.file_name, i.group_id, i.eye, i.ungradable, i.label_value AS value,
         i.label_updated_at AS updated_at, e.source, r.name AS reader
       FROM images i
       LEFT JOIN label_events e ON e.id = i.label_event_id
       LEFT JOIN readers r ON r.id = e.reader_id
       WHERE i.project_id = ? AND i.status = 'ok' ORDER BY i.file_name, i.id`,
    )
    .all(project.id) as Array<{
    id: number;
    stem: string;
    file_name: string;
    group_id: string;
    eye: string | null;
    ungradable: number;
    value: string | null;
    updated_at: string | null;
    source: string | null;
    reader: string | null;
  }>;
  return toCsv(
    ['image', 'label', 'label_name', 'ungradable', 'group', 'eye', 'source', 'reader', 'updated_at', 'file', 'image_id'],
    rows.map((row) => {
      const value = row.value === null ? null : storedJson<LabelValue>(row.value, `the label of image ${row.id}`);
      return [row.stem, cell(value), value === null ? '' : describeLabel(project.task, value), row.ungradable ? 1 : 0,
        row.group_id, row.eye ?? '', row.source ?? '', row.reader ?? '', row.updated_at ?? '', row.file_name, row.id];
    }),
  );
}

/** Every event of the project (labels, ungradable flags, notes), oldest first: the full audit trail. */
export function labelHistoryCsv(store: Store, project: Project): CsvTable {
  const rows = store.db
    .prepare(
      `SELECT e.id, e.image_id, i.stem, e.created_at, e.source, r.name AS reader, e.origin, e.previous_value, e.value, e.note, e.kind
       FROM label_events e JOIN images i ON i.id = e.image_id LEFT JOIN readers r ON r.id = e.reader_id
       WHERE i.project_id = ? ORDER BY e.id`,
    )
    .all(project.id) as Array<{
    id: number;
    image_id: number;
    stem: string;
    created_at: string;
    source: string;
    reader: string | null;
    origin: string | null;
    previous_value: string | null;
    value: string | null;
    note: string | null;
    kind: string;
  }>;
  // An event's value is a label, an ungradable flag (true/false) or a note's text, by its kind.
  const parse = (json: string | null): CsvCell => {
    if (json === null) return null;
    const value = storedJson<unknown>(json, 'an event value');
    return Array.isArray(value) || typeof value === 'number' ? cell(value as LabelValue) : String(value);
  };
  return toCsv(
    ['image', 'image_id', 'event_id', 'time', 'source', 'reader', 'origin', 'previous', 'label', 'note', 'kind'],
    rows.map((row) => [row.stem, row.image_id, row.id, row.created_at, row.source, row.reader ?? '', row.origin ?? '',
      parse(row.previous_value), parse(row.value), row.note ?? '', row.kind]),
  );
}
