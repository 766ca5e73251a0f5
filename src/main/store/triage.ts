import type { LabelValue } from '../../shared/domain';
import type { Db } from './database';

/** Fingerprints of what a triage ranking was computed from; a ranking is kept while they stay the same. */
export interface TriageStamps {
  /** The model's predictions (each save stamps them). */
  predictions: string;
  /** The project's unreadable and ungradable images (from their partial indexes). */
  listed: string;
  /** The latest label event. */
  labels: string;
}

/** The reads the triage queue is ranked and paged from (the ranking itself is in ml/triage). */
export class TriageStore {
  constructor(private readonly db: Db) {}

  stamps(projectId: number, modelId: number): TriageStamps {
    return this.db
      .prepare(
        `SELECT
           (SELECT count(*) || ':' || ifnull(max(created_at), '') FROM predictions WHERE model_id = @modelId) AS predictions,
           (SELECT count(*) || ':' || total(id) FROM images WHERE project_id = @projectId AND ungradable = 1) || '/' ||
           (SELECT count(*) || ':' || total(id) FROM images WHERE project_id = @projectId AND status = 'error') AS listed,
           (SELECT ifnull(max(id), 0) FROM label_events) AS labels`,
      )
      .get({ projectId, modelId }) as TriageStamps;
  }

  /** The file name of every image the model predicted, by image id. */
  predictedFileNames(modelId: number): Map<number, string> {
    return new Map(
      this.db.prepare('SELECT p.image_id, i.file_name FROM predictions p JOIN images i ON i.id = p.image_id WHERE p.model_id = ?').raw().all(modelId) as Array<[number, string]>,
    );
  }

  /** The current label of every readable image not marked ungradable: which images a queue may list. */
  listedLabels(projectId: number): Map<number, LabelValue | null> {
    const rows = this.db
      .prepare(`SELECT id, label_value FROM images WHERE project_id = ? AND status = 'ok' AND ungradable = 0`)
      .raw()
      .all(projectId) as Array<[number, string | null]>;
    return labelMap(rows);
  }

  /** The current labels of these images. */
  labelsOf(imageIds: readonly number[]): Map<number, LabelValue | null> {
    if (imageIds.length === 0) return new Map();
    const rows = this.db
      .prepare('SELECT id, label_value FROM images WHERE id IN (SELECT value FROM json_each(?))')
      .raw()
      .all(JSON.stringify(imageIds)) as Array<[number, string | null]>;
    return labelMap(rows);
  }

  /**
   * Images a reader graded (or accepted a model's label for) after `since`. A grade later undone does
   * not count; undo events carry the note "undo of event N" (LabelStore.undo) and are not grades themselves.
   */
  reviewedSince(projectId: number, since: string): Set<number> {
    const ids = this.db
      .prepare(
        `SELECT DISTINCT e.image_id FROM label_events e JOIN images i ON i.id = e.image_id
         WHERE i.project_id = ? AND e.kind = 'label' AND e.source IN ('reader', 'model-accepted') AND e.created_at > ?
           AND (e.note IS NULL OR e.note NOT LIKE 'undo of event %')
           AND NOT EXISTS (SELECT 1 FROM label_events u WHERE u.image_id = e.image_id AND u.note = 'undo of event ' || e.id)`,
      )
      .pluck()
      .all(projectId, since) as number[];
    return new Set(ids);
  }
}

const labelMap = (rows: Array<[number, string | null]>) => new Map(rows.map(([id, label]) => [id, label === null ? null : (JSON.parse(label) as LabelValue)]));
