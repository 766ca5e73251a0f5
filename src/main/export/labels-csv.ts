import type { LabelValue, Project } from '../../shared/domain';
import { describeLabel } from '../../shared/labels';
import type { Store } from '../store';
import { toCsv, type CsvCell, type CsvTable } from './csv';
import type { ExportNaming } from './naming';

/** Label value as a CSV cell: a number, or space-separated label numbers (the HPA convention). */
export const labelCell = (value: LabelValue | null): CsvCell => (Array.isArray(value) ? value.join(' ') : value);

const CURRENT_COLUMNS = ['image', 'label', 'label_name', 'ungradable', 'group', 'eye', 'source', 'reader', 'updated_at', 'file', 'image_id'];

/** The current label of every image in the project, one row per image. */
export function currentLabelsCsv(store: Store, project: Project, naming: ExportNaming): CsvTable {
  return toCsv(CURRENT_COLUMNS, currentLabelCells(store, project, naming).map(({ cells }) => cells));
}

function currentLabelCells(store: Store, project: Project, naming: ExportNaming): Array<{ imageId: number; cells: CsvCell[] }> {
  return store.exports.currentLabels(project.id).map((recorded) => {
    const row = naming.image(recorded);
    const cells = [row.stem, labelCell(row.value), row.value === null ? '' : describeLabel(project.task, row.value),
      row.ungradable ? 1 : 0, row.groupId, row.eye ?? '', row.source ?? '', naming.reader(row.reader) ?? '', naming.time(row.updatedAt) ?? '', row.fileName, row.imageId];
    return { imageId: row.imageId, cells };
  });
}

/**
 * The current labels with one more column per reader (`reader:<name>`, by name), holding that reader's
 * own standing label of the image (empty where the reader has not labelled it): for a look at how
 * graders differ beside the label that counts.
 */
export function perGraderLabelsCsv(store: Store, project: Project, naming: ExportNaming): CsvTable {
  const byImage = new Map<number, Map<string, LabelValue>>();
  const readers = new Set<string>();
  for (const label of store.labels.labelsByReader(project.id)) {
    const reader = naming.reader(label.readerName)!;
    readers.add(reader);
    const own = byImage.get(label.imageId) ?? new Map<string, LabelValue>();
    own.set(reader, label.value);
    byImage.set(label.imageId, own);
  }
  const columns = [...readers].sort((a, b) => a.localeCompare(b));
  return toCsv(
    [...CURRENT_COLUMNS, ...columns.map((reader) => `reader:${reader}`)],
    currentLabelCells(store, project, naming).map(({ imageId, cells }) => [...cells, ...columns.map((reader) => labelCell(byImage.get(imageId)?.get(reader) ?? null))]),
  );
}

/** Every event of the project (labels, ungradable flags, notes), oldest first: the full audit trail. */
export function labelHistoryCsv(store: Store, project: Project, naming: ExportNaming): CsvTable {
  // An event's value is a label, an ungradable flag (true/false) or a note's text, by its kind.
  const eventCell = (value: unknown, kind: string): CsvCell => {
    if (value === null) return null;
    if (kind === 'note') return naming.freeText(String(value));
    return Array.isArray(value) || typeof value === 'number' ? labelCell(value as LabelValue) : String(value);
  };
  return toCsv(
    ['image', 'image_id', 'event_id', 'time', 'source', 'reader', 'origin', 'previous', 'label', 'note', 'kind'],
    store.exports.events(project.id).map((recorded) => {
      const row = naming.image(recorded);
      // An import's origin is its label file's name, which anyone may have chosen; the app's own origins (a model) are kept.
      const origin = row.source === 'import' ? naming.freeText(row.origin) : row.origin;
      return [row.stem, row.imageId, row.eventId, naming.time(row.createdAt), row.source, naming.reader(row.reader) ?? '', origin ?? '',
        eventCell(row.previousValue, row.kind), eventCell(row.value, row.kind), naming.freeText(row.note) ?? '', row.kind];
    }),
  );
}
