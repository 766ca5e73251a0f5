import type { ImportErrorKind, ProjectStats, TaskSpec } from '../../shared/domain';
import type { Db } from './database';

export function projectStats(db: Db, projectId: number, task: TaskSpec): ProjectStats {
  const totals = db
    .prepare(
      `SELECT COUNT(*) AS images,
         COALESCE(SUM(status = 'ok'), 0) AS imported,
         COALESCE(SUM(ungradable), 0) AS ungradable,
         COALESCE(SUM(duplicate_kind = 'exact'), 0) AS exact,
         COALESCE(SUM(duplicate_kind = 'near'), 0) AS near,
         COUNT(DISTINCT CASE WHEN status = 'ok' THEN group_id END) AS groups
       FROM images WHERE project_id = ?`,
    )
    .get(projectId) as { images: number; imported: number; ungradable: number; exact: number; near: number; groups: number };

  const errors: Partial<Record<ImportErrorKind, number>> = {};
  const errorRows = db
    .prepare(`SELECT error_kind AS kind, COUNT(*) AS n FROM images WHERE project_id = ? AND status = 'error' GROUP BY error_kind`)
    .all(projectId) as Array<{ kind: ImportErrorKind; n: number }>;
  for (const row of errorRows) errors[row.kind] = row.n;

  const perClass: Record<string, number> = {};
  const classKey = (index: number) => (task.kind === 'dr-grade' ? String(index) : task.classes[index]!);
  task.classes.forEach((_, index) => (perClass[classKey(index)] = 0));
  if (task.kind === 'multilabel') {
    const masks = db
      .prepare(`SELECT label_mask AS mask FROM images WHERE project_id = ? AND label_mask IS NOT NULL`)
      .all(projectId) as Array<{ mask: number }>;
    for (const { mask } of masks) {
      task.classes.forEach((_, index) => {
        if (Math.floor(mask / 2 ** index) % 2 === 1) perClass[classKey(index)]! += 1;
      });
    }
  } else {
    const rows = db
      .prepare(
        `SELECT label_class AS k, COUNT(*) AS n FROM images
         WHERE project_id = ? AND label_class IS NOT NULL GROUP BY label_class`,
      )
      .all(projectId) as Array<{ k: number; n: number }>;
    for (const row of rows) perClass[classKey(row.k)] = row.n;
  }

  const { labelled } = db
    .prepare(`SELECT COUNT(*) AS labelled FROM images WHERE project_id = ? AND label_value IS NOT NULL`)
    .get(projectId) as { labelled: number };
  const { labelEvents } = db
    .prepare("SELECT COUNT(*) AS labelEvents FROM label_events e JOIN images i ON i.id = e.image_id WHERE i.project_id = ? AND e.kind = 'label'")
    .get(projectId) as { labelEvents: number };

  return {
    images: totals.images,
    imported: totals.imported,
    errors,
    perClass,
    labelled,
    unlabelled: totals.imported - labelled,
    ungradable: totals.ungradable,
    duplicates: { exact: totals.exact, near: totals.near },
    groups: totals.groups,
    labelEvents,
  };
}
