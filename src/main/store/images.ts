import type {
  Eye,
  GridPage,
  GridRow,
  ImageQuery,
  ImageRecord,
  ImportErrorKind,
  ImportStatus,
  TaskSpec,
} from '../../shared/domain';
import { invalid, notFound } from '../../shared/errors';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';

/** What the import pipeline knows about a file before it becomes a row. */
export interface NewImage {
  projectId: number;
  path: string;
  fileName: string;
  stem: string;
  sha256: string;
  phash: string | null;
  width: number | null;
  height: number | null;
  bytes: number;
  format: string | null;
  groupId: string;
  eye: Eye | null;
  status: ImportStatus;
  errorKind: ImportErrorKind | null;
  errorText: string | null;
}

interface ImageRow {
  id: number;
  project_id: number;
  path: string;
  file_name: string;
  sha256: string;
  phash: string | null;
  width: number | null;
  height: number | null;
  bytes: number;
  format: string | null;
  group_id: string;
  eye: Eye | null;
  source_meta: string | null;
  status: ImportStatus;
  error_kind: ImportErrorKind | null;
  error_text: string | null;
  ungradable: number;
  duplicate_of: number | null;
  duplicate_kind: 'exact' | 'near' | null;
  note: string | null;
  imported_at: string;
}

export interface StoredImage extends ImageRecord {
  ungradable: boolean;
  duplicateOf: number | null;
  duplicateKind: 'exact' | 'near' | null;
  note: string | null;
}

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
  status: row.status,
  errorKind: row.error_kind,
  errorText: row.error_text,
  importedAt: row.imported_at,
  ungradable: row.ungradable === 1,
  duplicateOf: row.duplicate_of,
  duplicateKind: row.duplicate_kind,
  note: row.note,
});

const SORT_COLUMNS = {
  name: 'i.file_name',
  label: 'COALESCE(c.class_index, c.label_mask, -1)',
  imported: 'i.id',
} as const;

export const GRID_PAGE_LIMIT = 1000;

export class ImageStore {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  insert(image: NewImage): number {
    const { lastInsertRowid } = this.prepared(
      `INSERT INTO images (project_id, path, file_name, stem, sha256, phash, width, height, bytes, format,
         group_id, eye, status, error_kind, error_text, imported_at)
       VALUES (@projectId, @path, @fileName, @stem, @sha256, @phash, @width, @height, @bytes, @format,
         @groupId, @eye, @status, @errorKind, @errorText, @importedAt)`,
    ).run({ ...image, importedAt: new Date().toISOString() });
    return Number(lastInsertRowid);
  }

  /** Replaces what an earlier import recorded for the same path (the file changed, or failed before). */
  replace(id: number, image: NewImage): void {
    this.prepared(
      `UPDATE images SET sha256 = @sha256, phash = @phash, width = @width, height = @height, bytes = @bytes,
         format = @format, status = @status, error_kind = @errorKind, error_text = @errorText,
         duplicate_of = NULL, duplicate_kind = NULL
       WHERE id = @id`,
    ).run({ ...image, id });
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

  /** Path, content hash and id of every image in the project: what a re-import compares against. */
  knownFiles(projectId: number): Map<string, { id: number; sha256: string }> {
    const rows = this.prepared('SELECT id, path, sha256 FROM images WHERE project_id = ?').all(projectId) as Array<{
      id: number;
      path: string;
      sha256: string;
    }>;
    return new Map(rows.map((row) => [row.path, { id: row.id, sha256: row.sha256 }]));
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
  perceptualHashes(projectId: number): Array<{ id: number; phash: string; duplicateOf: number | null }> {
    return this.prepared(
      `SELECT id, phash, duplicate_of AS duplicateOf FROM images
       WHERE project_id = ? AND status = 'ok' AND phash IS NOT NULL ORDER BY id`,
    ).all(projectId) as Array<{ id: number; phash: string; duplicateOf: number | null }>;
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

  setUngradable(id: number, ungradable: boolean): void {
    this.get(id);
    this.prepared('UPDATE images SET ungradable = ? WHERE id = ?').run(ungradable ? 1 : 0, id);
  }

  setNote(id: number, note: string | null): void {
    this.get(id);
    this.prepared('UPDATE images SET note = ? WHERE id = ?').run(note?.trim() || null, id);
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

  /** One page of the library grid, filtered and sorted, with the total the filter matches. */
  page(task: TaskSpec, query: ImageQuery): GridPage {
    const { where, params } = whereClause(task, query);
    const limit = Math.min(Math.max(query.limit ?? 200, 0), GRID_PAGE_LIMIT);
    const offset = Math.max(query.offset ?? 0, 0);
    const direction = query.descending ? 'DESC' : 'ASC';
    const order = `${SORT_COLUMNS[query.sort ?? 'name']} ${direction}, i.id ${direction}`;
    const from = 'FROM images i LEFT JOIN current_labels c ON c.image_id = i.id';
    const rows = this.prepared(
      `SELECT i.id, i.file_name, i.sha256, i.status, i.error_kind, i.ungradable, i.duplicate_of, i.group_id, i.eye,
         c.value AS label
       ${from} WHERE ${where} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
    ).all(params) as GridSqlRow[];
    const { total } = this.prepared(`SELECT COUNT(*) AS total ${from} WHERE ${where}`).get(params) as { total: number };
    return { rows: rows.map(toGridRow), total };
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
  label: string | null;
}

const toGridRow = (row: GridSqlRow): GridRow => ({
  id: row.id,
  fileName: row.file_name,
  sha256: row.sha256,
  status: row.status,
  errorKind: row.error_kind,
  label: row.label === null ? null : JSON.parse(row.label),
  ungradable: row.ungradable === 1,
  duplicateOf: row.duplicate_of,
  groupId: row.group_id,
  eye: row.eye,
});

function whereClause(task: TaskSpec, query: ImageQuery): { where: string; params: Record<string, unknown> } {
  const filter = query.filter ?? {};
  const conditions = ['i.project_id = @projectId'];
  const params: Record<string, unknown> = { projectId: query.projectId };
  if (filter.label !== undefined) {
    if (!Number.isInteger(filter.label) || filter.label < 0 || filter.label >= task.classes.length) {
      throw invalid(`Filter value ${filter.label} is not a class of this project.`);
    }
    conditions.push(task.kind === 'multilabel' ? '(c.label_mask & @labelBit) != 0' : 'c.class_index = @label');
    if (task.kind === 'multilabel') params.labelBit = 2 ** filter.label;
    else params.label = filter.label;
  }
  if (filter.unlabelled) conditions.push(`c.image_id IS NULL AND i.status = 'ok'`);
  if (filter.ungradable !== undefined) conditions.push(`i.ungradable = ${filter.ungradable ? 1 : 0}`);
  if (filter.duplicates !== undefined) conditions.push(`i.duplicate_of IS ${filter.duplicates ? 'NOT ' : ''}NULL`);
  if (filter.importErrors !== undefined) conditions.push(`i.status = '${filter.importErrors ? 'error' : 'ok'}'`);
  if (filter.groupId !== undefined) {
    conditions.push('i.group_id = @groupId');
    params.groupId = filter.groupId;
  }
  return { where: conditions.join(' AND '), params };
}
