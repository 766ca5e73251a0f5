import type { Eye, ImageEventKind, LabelSource, LabelValue } from '../../shared/domain';
import type { Prediction } from '../../shared/ml';
import type { Db } from './database';
import { storedJson } from './failures';
import { toPrediction, type PredictionRow } from './predictions';

/** How an export names one image: its id, its file name with and without the extension, its patient and eye. */
export interface ExportedImage {
  imageId: number;
  stem: string;
  fileName: string;
  groupId: string;
  eye: Eye | null;
}

/** One readable image of a project, its size in pixels, its current label and who gave it. */
export interface CurrentLabelRow extends ExportedImage {
  width: number | null;
  height: number | null;
  ungradable: boolean;
  value: LabelValue | null;
  updatedAt: string | null;
  source: LabelSource | null;
  reader: string | null;
}

/** One readable image of a project with a model's latest prediction of it (null: the model has not predicted it). */
export interface ImagePredictionRow extends ExportedImage {
  prediction: Prediction | null;
}

/** One event of a project's audit trail and its image; `value` and `previousValue` are a label, a flag or a note's text, by its kind. */
export interface EventRow extends ExportedImage {
  eventId: number;
  createdAt: string;
  source: LabelSource;
  reader: string | null;
  origin: string | null;
  previousValue: unknown;
  value: unknown;
  note: string | null;
  kind: ImageEventKind;
}

/** A LEFT JOIN's columns: null where the joined row is missing. */
type Nullable<T> = { [K in keyof T]: T[K] | null };

/** The image columns every export selects (`i.id, i.stem, i.file_name, i.group_id, i.eye`). */
interface ImageColumns {
  id: number;
  stem: string;
  file_name: string;
  group_id: string;
  eye: Eye | null;
}

const exportedImage = (row: ImageColumns): ExportedImage => ({
  imageId: row.id,
  stem: row.stem,
  fileName: row.file_name,
  groupId: row.group_id,
  eye: row.eye,
});

/** A whole project's labels, label events and a model's predictions, in the order the exports write them. */
export class ExportStore {
  constructor(private readonly db: Db) {}

  /** Every readable image of the project, by file name. */
  currentLabels(projectId: number): CurrentLabelRow[] {
    const rows = this.db
      .prepare(
        `SELECT i.id, i.stem, i.file_name, i.group_id, i.eye, i.width, i.height, i.ungradable, i.label_value AS value,
           i.label_updated_at AS updated_at, e.source, r.name AS reader
         FROM images i
         LEFT JOIN label_events e ON e.id = i.label_event_id
         LEFT JOIN readers r ON r.id = e.reader_id
         WHERE i.project_id = ? AND i.status = 'ok' ORDER BY i.file_name, i.id`,
      )
      .all(projectId) as Array<
      ImageColumns & { width: number | null; height: number | null; ungradable: number; value: string | null; updated_at: string | null; source: LabelSource | null; reader: string | null }
    >;
    return rows.map((row) => ({
      ...exportedImage(row),
      width: row.width,
      height: row.height,
      ungradable: row.ungradable === 1,
      value: row.value === null ? null : storedJson<LabelValue>(row.value, `the label of image ${row.id}`),
      updatedAt: row.updated_at,
      source: row.source,
      reader: row.reader,
    }));
  }

  /** Every readable image of the project, by file name, with the model's prediction where it has one. */
  predictions(projectId: number, modelId: number): ImagePredictionRow[] {
    const rows = this.db
      .prepare(
        `SELECT i.id, i.stem, i.file_name, i.group_id, i.eye, p.model_id, p.image_id, p.probabilities, p.predicted, p.expected, p.referable,
           p.entropy, p.margin, p.out_of_fold, p.in_training_set
         FROM images i
         LEFT JOIN predictions p ON p.image_id = i.id AND p.model_id = ?
         WHERE i.project_id = ? AND i.status = 'ok' ORDER BY i.file_name, i.id`,
      )
      .all(modelId, projectId) as Array<ImageColumns & Nullable<PredictionRow>>;
    return rows.map((row) => ({
      ...exportedImage(row),
      prediction: row.model_id === null ? null : toPrediction(row as PredictionRow),
    }));
  }

  /** Every event of the project (labels, ungradable flags, notes), oldest first. */
  events(projectId: number): EventRow[] {
    const rows = this.db
      .prepare(
        `SELECT e.id, i.id AS image_id, i.stem, i.file_name, i.group_id, i.eye, e.created_at, e.source, r.name AS reader, e.origin, e.previous_value, e.value, e.note, e.kind
         FROM label_events e JOIN images i ON i.id = e.image_id LEFT JOIN readers r ON r.id = e.reader_id
         WHERE i.project_id = ? ORDER BY e.id`,
      )
      .all(projectId) as Array<Omit<ImageColumns, 'id'> & {
      id: number;
      image_id: number;
      created_at: string;
      source: LabelSource;
      reader: string | null;
      origin: string | null;
      previous_value: string | null;
      value: string | null;
      note: string | null;
      kind: ImageEventKind;
    }>;
    const parse = (json: string | null): unknown => (json === null ? null : storedJson<unknown>(json, 'an event value'));
    return rows.map((row) => ({
      ...exportedImage({ ...row, id: row.image_id }),
      eventId: row.id,
      createdAt: row.created_at,
      source: row.source,
      reader: row.reader,
      origin: row.origin,
      previousValue: parse(row.previous_value),
      value: parse(row.value),
      note: row.note,
      kind: row.kind,
    }));
  }
}
