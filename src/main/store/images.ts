import type {
  DicomFacts,
  ImageFlags,
  Eye,
  GridPage,
  GridRow,
  ImageQuery,
  ImageRecord,
  ImportErrorKind,
  ImportStatus,
  LabelValue,
  TaskSpec,
} from '../../shared/domain';
import { invalid, notFound } from '../../shared/errors';
import type { Statement } from 'better-sqlite3';
import type { ColumnsOf } from './columns';
import type { DataVersion } from './data-version';
import type { Db } from './database';
import { storedJson } from './failures';
import { naturalKey } from './natural-order';

/** What the import pipeline knows about a file before it becomes a row. */
export interface NewImage extends Omit<ImageRecord, 'id' | 'sourceMeta' | 'importedAt' | 'dicom'> {
  stem: string;
  detailHash: string | null;
  /** What a DICOM file said of the image; absent or null for other formats. */
  dicom?: DicomFacts | null;
}

/** A row of the images table: the stored image's fields as columns, with its JSON as text and its flag as 0 or 1. */
type ImageRow = ColumnsOf<Omit<StoredImage, 'sourceMeta' | 'ungradable' | 'dicom'>> & {
  source_meta: string | null;
  ungradable: number;
  study_date: string | null;
  manufacturer: string | null;
  manufacturer_model: string | null;
};

/** What a re-import knows of a path it imported before. */
export interface KnownFile {
  id: number;
  sha256: string;
  status: 'ok' | 'error';
  errorKind: ImportErrorKind | null;
}

export interface ReadableImage {
  id: number;
  path: string;
  sha256: string;
  groupId: string;
  label: LabelValue | null;
  ungradable: boolean;
  duplicateOf: number | null;
}

export interface StoredImage extends ImageRecord, ImageFlags {}

const dicomColumns = (dicom: DicomFacts | null | undefined) => ({
  studyDate: dicom?.studyDate ?? null,
  manufacturer: dicom?.manufacturer ?? null,
  model: dicom?.model ?? null,
});

const toImage = (row: ImageRow): StoredImage => ({
  id: row.id,
  projectId: row.project_id,
  path: row.path,
  fileName: row.file_name,
  sha256: row.sha256,
  phash: row.phash,
  width: row.width,
  height: row.height,
  bytes: row.bytes,
  format: row.format,
  groupId: row.group_id,
  eye: row.eye,
  sourceMeta: row.source_meta ? (JSON.parse(row.source_meta) as Record<string, string>) : null,
  dicom: row.format === 'dicom' ? { studyDate: row.study_date, manufacturer: row.manufacturer, model: row.manufacturer_model } : null,
  status: row.status,
  errorKind: row.error_kind,
  errorText: row.error_text,
  importedAt: row.imported_at,
  ungradable: row.ungradable === 1,
  duplicateOf: row.duplicate_of,
  duplicateKind: row.duplicate_kind,
  note: row.note,
});

export const GRID_PAGE_LIMIT = 1000;

/** Filter-and-sort views kept between grid pages; a user switches between a few at a time. */
const MAX_CACHED_VIEWS = 4;

export class ImageStore {
  private readonly statements = new Map<string, Statement>();
  private readonly views = new Map<string, { version: string; ids: Int32Array }>();

  constructor(
    private readonly db: Db,
    private readonly dataVersion: DataVersion,
  ) {}

  insert(image: NewImage): number {
    const { lastInsertRowid } = this.prepared(
      `INSERT INTO images (project_id, path, file_name, name_key, stem, sha256, phash, detail_hash, width, height, bytes, format,
         group_id, eye, status, error_kind, error_text, imported_at, study_date, manufacturer, manufacturer_model)
       VALUES (@projectId, @path, @fileName, @nameKey, @stem, @sha256, @phash, @detailHash, @width, @height, @bytes, @format,
         @groupId, @eye, @status, @errorKind, @errorText, @importedAt, @studyDate, @manufacturer, @model)`,
    ).run({ ...image, ...dicomColumns(image.dicom), nameKey: naturalKey(image.fileName), importedAt: new Date().toISOString() });
    return Number(lastInsertRowid);
  }

  /**
   * Replaces what an earlier import recorded for the same path (the file changed, or failed before).
   * The current label follows the file: none while it cannot be read (the events stay), and the latest
   * event's value again once it can.
   */
  replace(id: number, image: NewImage): void {
    this.prepared(
      `UPDATE images SET sha256 = @sha256, phash = @phash, detail_hash = @detailHash, width = @width, height = @height,
         bytes = @bytes, format = @format, status = @status, error_kind = @errorKind, error_text = @errorText,
         study_date = @studyDate, manufacturer = @manufacturer, manufacturer_model = @model,
         group_id = CASE WHEN @format = 'dicom' THEN @groupId ELSE group_id END, eye = CASE WHEN @format = 'dicom' THEN @eye ELSE eye END,
         duplicate_of = NULL, duplicate_kind = NULL,
         label_value = CASE WHEN @status = 'ok' THEN (SELECT value FROM label_events WHERE image_id = @id AND kind = 'label' AND blind = 0 ORDER BY id DESC LIMIT 1) END
       WHERE id = @id`,
    ).run({ ...image, ...dicomColumns(image.dicom), id });
    // Class and mask from the value alone: values are canonical (a number, or a sorted array for multilabel).
    this.prepared(
      `UPDATE images SET
         label_class = CASE WHEN json_type(label_value) = 'integer' THEN CAST(label_value AS INTEGER) END,
         label_mask = CASE WHEN json_type(label_value) = 'array' THEN (SELECT COALESCE(SUM(1 << value), 0) FROM json_each(images.label_value)) END
       WHERE id = ?`,
    ).run(id);
  }

  get(id: number): StoredImage {
    const row = this.prepared('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    if (!row) throw notFound(`There is no image with id ${id}.`);
    return toImage(row);
  }

  byPath(projectId: number, path: string): StoredImage | undefined {
    const row = this.prepared('SELECT * FROM images WHERE project_id = ? AND path = ?').get(projectId, path) as
      | ImageRow
      | undefined;
    return row && toImage(row);
  }

  /** Path, content hash, id and outcome of every image in the project: what a re-import compares against. */
  knownFiles(projectId: number): Map<string, KnownFile> {
    const rows = this.prepared('SELECT id, path, sha256, status, error_kind FROM images WHERE project_id = ?').all(projectId) as Array<{
      id: number;
      path: string;
      sha256: string;
      status: 'ok' | 'error';
      error_kind: ImportErrorKind | null;
    }>;
    return new Map(rows.map((row) => [row.path, { id: row.id, sha256: row.sha256, status: row.status, errorKind: row.error_kind }]));
  }

  /** Images (imported without error) whose file name without extension is `stem`. */
  byStem(projectId: number, stem: string): StoredImage[] {
    return (
      this.prepared(`SELECT * FROM images WHERE project_id = ? AND stem = ? AND status = 'ok' ORDER BY id`).all(
        projectId,
        stem,
      ) as ImageRow[]
    ).map(toImage);
  }

  /** The first image of the project with this content, other than `exceptId`. */
  firstWithSha(projectId: number, sha256: string, exceptId: number): StoredImage | undefined {
    const row = this.prepared(
      `SELECT * FROM images WHERE project_id = ? AND sha256 = ? AND status = 'ok' AND id != ? ORDER BY id LIMIT 1`,
    ).get(projectId, sha256, exceptId) as ImageRow | undefined;
    return row && toImage(row);
  }

  /** Every decoded image's perceptual hash, oldest first, for near-duplicate detection. */
  /**
   * What grading these images as class `value` would do: how many are unlabelled, already carry that
   * class, or carry another one that it would replace (single-label tasks, where label_class is the class).
   */
  bulkGradeEffect(imageIds: readonly number[], value: number): { unlabelled: number; same: number; replaced: number } {
    const row = this.prepared(
      `SELECT COALESCE(SUM(label_class IS NULL), 0) AS unlabelled, COALESCE(SUM(label_class = @value), 0) AS same,
         COALESCE(SUM(label_class IS NOT NULL AND label_class <> @value), 0) AS replaced
       FROM images WHERE id IN (SELECT value FROM json_each(@ids))`,
    ).get({ ids: JSON.stringify(imageIds), value }) as { unlabelled: number; same: number; replaced: number };
    return row;
  }

  /**
   * The readable images of a project with their current label: what training snapshots, feature
   * extraction and prediction start from.
   */
  readable(projectId: number): ReadableImage[] {
    return (this.prepared(
      `SELECT id, path, sha256, group_id, label_value, ungradable, duplicate_of FROM images
       WHERE project_id = ? AND status = 'ok' ORDER BY id`,
    ).all(projectId) as Array<{ id: number; path: string; sha256: string; group_id: string; label_value: string | null; ungradable: number; duplicate_of: number | null }>).map((row) => ({
      id: row.id,
      path: row.path,
      sha256: row.sha256,
      groupId: row.group_id,
      label: row.label_value === null ? null : storedJson<LabelValue>(row.label_value, `the label of image ${row.id}`),
      ungradable: row.ungradable === 1,
      duplicateOf: row.duplicate_of,
    }));
  }

  /** The project's images imported from DICOM: what the DICOM re-export reads, in import order. */
  dicomImages(projectId: number): Array<{ id: number; path: string; sha256: string; groupId: string }> {
    return this.prepared(
      `SELECT id, path, sha256, group_id AS groupId FROM images WHERE project_id = ? AND status = 'ok' AND format = 'dicom' ORDER BY id`,
    ).all(projectId) as Array<{ id: number; path: string; sha256: string; groupId: string }>;
  }

  perceptualHashes(projectId: number): Array<{ id: number; phash: string; detailHash: string; duplicateOf: number | null }> {
    return this.prepared(
      `SELECT id, phash, detail_hash AS detailHash, duplicate_of AS duplicateOf FROM images
       WHERE project_id = ? AND status = 'ok' AND phash IS NOT NULL AND detail_hash IS NOT NULL ORDER BY id`,
    ).all(projectId) as Array<{ id: number; phash: string; detailHash: string; duplicateOf: number | null }>;
  }

  /** An image named by the user: its id, its file name, or its file name without extension. */
  resolve(projectId: number, reference: string): StoredImage {
    const ref = reference.trim();
    if (/^\d+$/.test(ref)) {
      const row = this.prepared('SELECT * FROM images WHERE project_id = ? AND id = ?').get(projectId, Number(ref)) as
        | ImageRow
        | undefined;
      if (row) return toImage(row);
    }
    const rows = this.prepared(
      'SELECT * FROM images WHERE project_id = ? AND (file_name = ? OR stem = ?) ORDER BY id LIMIT 6',
    ).all(projectId, ref, ref) as ImageRow[];
    if (rows.length === 1) return toImage(rows[0]!);
    if (rows.length === 0) throw notFound(`This project has no image "${ref}" (give an image id or a file name).`);
    throw invalid(
      `"${ref}" names ${rows.length > 5 ? 'more than 5' : rows.length} images (ids ${rows.slice(0, 5).map((r) => r.id).join(', ')}); give the image id instead.`,
    );
  }

  markDuplicate(id: number, originalId: number, kind: 'exact' | 'near'): void {
    this.prepared('UPDATE images SET duplicate_of = ?, duplicate_kind = ? WHERE id = ?').run(originalId, kind, id);
  }

  setSourceMeta(id: number, meta: Record<string, string>, groupId?: string): void {
    this.prepared('UPDATE images SET source_meta = ?, group_id = COALESCE(?, group_id) WHERE id = ?').run(
      JSON.stringify(meta),
      groupId ?? null,
      id,
    );
  }

  /**
   * One page of the library grid, filtered and sorted, with the total the filter matches. The ordered
   * ids of a filter and sort are computed once and kept until the database changes, so scrolling to any
   * offset costs a slice and a primary-key lookup of the page's rows.
   */
  page(task: TaskSpec, query: ImageQuery): GridPage {
    const ids = this.orderedIds(task, query);
    const offset = wholeNumber(query.offset ?? 0, 'offset');
    const limit = Math.min(wholeNumber(query.limit ?? 200, 'limit'), GRID_PAGE_LIMIT);
    return { rows: this.gridRows(ids.subarray(offset, offset + limit)), total: ids.length };
  }

  /**
   * The same patient's other eye: another readable image of the image's group, one of the other eye
   * first (EyePACS names give the eye), else the first by name; null when the image is alone in its group.
   */
  fellowEye(imageId: number): number | null {
    const id = this.prepared(
      `SELECT o.id FROM images i
         JOIN images o ON o.project_id = i.project_id AND o.group_id = i.group_id AND o.id != i.id AND o.status = 'ok'
       WHERE i.id = ?
       ORDER BY (o.eye IS NOT NULL AND o.eye IS NOT i.eye) DESC, o.name_key, o.id
       LIMIT 1`,
    ).pluck().get(imageId) as number | undefined;
    return id ?? null;
  }

  /** Every image id the filter matches, in the sort order. */
  orderedIds(task: TaskSpec, query: ImageQuery): Int32Array {
    const key = JSON.stringify([query.projectId, query.filter ?? {}, query.sort ?? 'name', query.descending ?? false]);
    // Inside a transaction the view could include writes that are later rolled back: never cache those.
    const cacheable = !this.db.inTransaction;
    const version = this.dataVersion.current();
    const cached = this.views.get(key);
    if (cacheable && cached && cached.version === version) return cached.ids;

    const { where, params } = whereClause(task, query);
    const direction = query.descending ? 'DESC' : 'ASC';
    const sort = query.sort ?? 'name';
    const filter = query.filter ?? {};
    const needsPredictions = sort === 'predicted' || sort === 'referable' || filter.predicted !== undefined || filter.referableAtLeast !== undefined;
    const from = needsPredictions ? `images LEFT JOIN predictions p ON p.image_id = images.id AND p.model_id = ${ACTIVE_MODEL}` : 'images';
    let ids: Int32Array;
    if (sort === 'imported') {
      // Import order is id order: let SQLite pick the best index for the filter, and sort the ids here
      // (asking SQLite for id order makes it walk the whole project instead).
      ids = Int32Array.from(this.prepared(`SELECT id FROM ${from} WHERE ${where}`).pluck().all(params) as number[]).sort();
      if (query.descending) ids.reverse();
    } else {
      const predictedColumn = task.kind === 'multilabel' ? 'p.predicted_mask' : 'p.predicted_class';
      const sortColumns = {
        name: ['name_key'],
        label: [task.kind === 'multilabel' ? 'label_mask' : 'label_class', 'name_key'],
        predicted: [predictedColumn, 'name_key'],
        referable: ['p.referable', 'name_key'],
      };
      // Images the model has not predicted come last in either direction.
      const unpredictedLast = sort === 'predicted' || sort === 'referable' ? `${sortColumns[sort][0]} IS NULL, ` : '';
      const order = unpredictedLast + [...sortColumns[sort], 'id'].map((column) => `${column} ${direction}`).join(', ');
      ids = Int32Array.from(this.prepared(`SELECT id FROM ${from} WHERE ${where} ORDER BY ${order}`).pluck().all(params) as number[]);
    }

    if (cacheable) {
      this.views.delete(key);
      if (this.views.size >= MAX_CACHED_VIEWS) this.views.delete(this.views.keys().next().value!);
      this.views.set(key, { version, ids });
    }
    return ids;
  }

  private gridRows(ids: Int32Array): GridRow[] {
    if (ids.length === 0) return [];
    const rows = this.prepared(
      `SELECT id, file_name, sha256, status, error_kind, ungradable, duplicate_of, group_id, eye, label_value,
              p.predicted, p.referable, p.expected
       FROM images LEFT JOIN predictions p ON p.image_id = images.id AND p.model_id = ${ACTIVE_MODEL}
       WHERE id IN (SELECT value FROM json_each(@ids))`,
    ).all({ ids: JSON.stringify(Array.from(ids)), projectId: this.projectOf(ids[0]!) }) as GridSqlRow[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return Array.from(ids, (id) => toGridRow(byId.get(id)!));
  }

  private projectOf(id: number): number {
    return this.prepared('SELECT project_id FROM images WHERE id = ?').pluck().get(id) as number;
  }

  private prepared(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

interface GridSqlRow {
  id: number;
  file_name: string;
  sha256: string;
  status: ImportStatus;
  error_kind: ImportErrorKind | null;
  ungradable: number;
  duplicate_of: number | null;
  group_id: string;
  eye: Eye | null;
  label_value: string | null;
  predicted: string | null;
  referable: number | null;
  expected: number | null;
}

/** The project's active model, for joining its predictions (a project has at most one). */
const ACTIVE_MODEL = '(SELECT id FROM models WHERE project_id = @projectId AND active = 1)';

const toGridRow = (row: GridSqlRow): GridRow => ({
  id: row.id,
  fileName: row.file_name,
  sha256: row.sha256,
  status: row.status,
  errorKind: row.error_kind,
  label: row.label_value === null ? null : storedJson(row.label_value, `the label of image ${row.id}`),
  ungradable: row.ungradable === 1,
  duplicateOf: row.duplicate_of,
  groupId: row.group_id,
  eye: row.eye,
  prediction: row.predicted === null ? null : { predicted: JSON.parse(row.predicted), referable: row.referable, expected: row.expected },
});

function wholeNumber(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw invalid(`The grid ${name} must be a whole number of at least 0, not ${value}.`);
  return value;
}

function whereClause(task: TaskSpec, query: ImageQuery): { where: string; params: Record<string, unknown> } {
  const filter = query.filter ?? {};
  const conditions = ['images.project_id = @projectId'];
  const params: Record<string, unknown> = { projectId: query.projectId };
  if (filter.label !== undefined) {
    if (!Number.isInteger(filter.label) || filter.label < 0 || filter.label >= task.classes.length) {
      throw invalid(`Filter value ${filter.label} is not a class of this project.`);
    }
    if (task.kind === 'multilabel') {
      conditions.push('(label_mask & @labelBit) != 0');
      params.labelBit = 2 ** filter.label;
    } else {
      conditions.push('label_class = @label');
      params.label = filter.label;
    }
  }
  if (filter.unlabelled) conditions.push(`label_value IS NULL AND status = 'ok'`);
  if (filter.ungradable !== undefined) conditions.push(`ungradable = ${filter.ungradable ? 1 : 0}`);
  if (filter.conflicts) conditions.push('ungradable = 1 AND label_value IS NOT NULL');
  if (filter.duplicates !== undefined) conditions.push(`duplicate_of IS ${filter.duplicates ? 'NOT ' : ''}NULL`);
  if (filter.importErrors !== undefined) conditions.push(`status = '${filter.importErrors ? 'error' : 'ok'}'`);
  if (filter.groupId !== undefined) {
    conditions.push('group_id = @groupId');
    params.groupId = filter.groupId;
  }
  if (filter.predicted !== undefined) {
    if (!Number.isInteger(filter.predicted) || filter.predicted < 0 || filter.predicted >= task.classes.length) {
      throw invalid(`Filter value ${filter.predicted} is not a class of this project.`);
    }
    if (task.kind === 'multilabel') {
      conditions.push('(p.predicted_mask & @predictedBit) != 0');
      params.predictedBit = 2 ** filter.predicted;
    } else {
      conditions.push('p.predicted_class = @predicted');
      params.predicted = filter.predicted;
    }
  }
  if (filter.equipment !== undefined) {
    // instr and lower() rather than LIKE, so that % and _ in the text are taken as they are.
    conditions.push(`(instr(lower(manufacturer), lower(@equipment)) > 0 OR instr(lower(manufacturer_model), lower(@equipment)) > 0)`);
    params.equipment = filter.equipment;
  }
  if (filter.studyFrom !== undefined) {
    conditions.push('study_date >= @studyFrom');
    params.studyFrom = filter.studyFrom;
  }
  if (filter.studyTo !== undefined) {
    conditions.push('study_date <= @studyTo');
    params.studyTo = filter.studyTo;
  }
  if (filter.referableAtLeast !== undefined) {
    if (!(filter.referableAtLeast >= 0 && filter.referableAtLeast <= 1)) throw invalid(`A referable probability is between 0 and 1, not ${filter.referableAtLeast}.`);
    conditions.push('p.referable >= @referableAtLeast');
    params.referableAtLeast = filter.referableAtLeast;
  }
  return { where: conditions.join(' AND '), params };
}
