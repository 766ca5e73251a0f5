import type { LabelValue, Project } from '../../shared/domain';
import { describeLabel } from '../../shared/labels';
import type { Store } from '../store';
import { toCsv, type CsvCell, type CsvTable } from './csv';

/** Label value as a CSV cell: a number, or space-separated label numbers (the HPA convention). */
export const labelCell = (value: LabelValue | null): CsvCell => (Array.isArray(value) ? value.join(' ') : value);

/** The current label of every image in the project, one row per image. */
export function currentLabelsCsv(store: Store, project: Project): CsvTable {
  return toCsv(
    ['image', 'label', 'label_name', 'ungradable', 'group', 'eye', 'source', 'reader', 'updated_at', 'file', 'image_id'],
    store.exports.currentLabels(project.id).map((row) => [row.stem, labelCell(row.value), row.value === null ? '' : describeLabel(project.task, row.value),
      row.ungradable ? 1 : 0, row.groupId, row.eye ?? '', row.source ?? '', row.reader ?? '', row.updatedAt ?? '', row.fileName, row.imageId]),
  );
}

/** Every event of the project (labels, ungradable flags, notes), oldest first: the full audit trail. */
export function labelHistoryCsv(store: Store, project: Project): CsvTable {
  // An event's value is a label, an ungradable flag (true/false) or a note's text, by its kind.
  const eventCell = (value: unknown): CsvCell => {
    if (value === null) return null;
    return Array.isArray(value) || typeof value === 'number' ? labelCell(value as LabelValue) : String(value);
  };
  return toCsv(
    ['image', 'image_id', 'event_id', 'time', 'source', 'reader', 'origin', 'previous', 'label', 'note', 'kind'],
    store.exports.events(project.id).map((row) => [row.stem, row.imageId, row.eventId, row.createdAt, row.source, row.reader ?? '', row.origin ?? '',
      eventCell(row.previousValue), eventCell(row.value), row.note ?? '', row.kind]),
  );
}
