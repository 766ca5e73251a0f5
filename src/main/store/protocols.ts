import type { LabelSource, LabelValue } from '../../shared/domain';
import { SINGLE_PROTOCOL, type GradingProtocol } from '../../shared/protocols';
import type { Db } from './database';
import type { DataVersion } from './data-version';
import { storedJson } from './failures';
import { writeTransaction } from './write-transaction';

/** A grader's standing call on an image under a double protocol: their latest blind grade, or ungradable. */
export interface GraderCallRow {
  imageId: number;
  readerId: number;
  readerName: string;
  /** null when the grader found the image ungradable. */
  value: LabelValue | null;
  ungradable: boolean;
  /** The event of the call (a blind grade, or the ungradable flag), its note and time. */
  eventId: number;
  note: string | null;
  gradedAt: string;
}

/** The image's latest label event that is not a grader's blind grade: what set its current (final) label. */
export interface FinalLabelEvent {
  eventId: number;
  source: LabelSource;
  origin: string | null;
  readerId: number | null;
  value: LabelValue | null;
  /** The event undoes another (an adjudicator's decision taken back, say). */
  isUndo: boolean;
}

interface ProtocolRow {
  kind: GradingProtocol['kind'];
  graders: number;
  refer: string;
  policy: GradingProtocol['policy'];
  queue_order: GradingProtocol['queueOrder'];
}

/** Grading protocols of projects, and the facts of blind grading (who has called which image) they run on. */
export class ProtocolStore {
  /** The last project's callers by image, with the data version they were read at. */
  private callers: { projectId: number; version: string; byImage: ReadonlyMap<number, ReadonlySet<number>> } | null = null;

  constructor(
    private readonly db: Db,
    private readonly dataVersion: DataVersion,
  ) {}

  /** The project's protocol; `single` when none was set. */
  get(projectId: number): GradingProtocol {
    const row = this.db.prepare('SELECT * FROM grading_protocols WHERE project_id = ?').get(projectId) as ProtocolRow | undefined;
    if (!row) return SINGLE_PROTOCOL;
    return { kind: row.kind, graders: row.graders, refer: storedJson(row.refer, `the referral rules of project ${projectId}`), policy: row.policy, queueOrder: row.queue_order };
  }

  set(projectId: number, protocol: GradingProtocol): GradingProtocol {
    return writeTransaction(this.db, () => {
      this.db
        .prepare(
          `INSERT INTO grading_protocols (project_id, kind, graders, refer, policy, queue_order, updated_at)
           VALUES (@projectId, @kind, @graders, @refer, @policy, @queueOrder, @updatedAt)
           ON CONFLICT (project_id) DO UPDATE SET kind = excluded.kind, graders = excluded.graders, refer = excluded.refer,
             policy = excluded.policy, queue_order = excluded.queue_order, updated_at = excluded.updated_at`,
        )
        .run({ projectId, ...protocol, refer: JSON.stringify(protocol.refer), updatedAt: new Date().toISOString() });
      return this.get(projectId);
    });
  }

  /**
   * Every grader's standing call on the images of a project (or on one image): ungradable when their latest
   * ungradable flag event says so, else their latest blind grade when it is not a cleared one; with the grade's
   * note, or else the grader's latest note on the image.
   */
  graderCalls(projectId: number, imageId?: number): GraderCallRow[] {
    const rows = this.db
      .prepare(
        `WITH latest AS (
           SELECT e.image_id, e.reader_id, e.kind, MAX(e.id) AS event_id FROM label_events e JOIN images i ON i.id = e.image_id
           WHERE i.project_id = @projectId AND i.status = 'ok' AND (@imageId IS NULL OR e.image_id = @imageId) AND e.reader_id IS NOT NULL
             AND ((e.kind = 'label' AND e.blind = 1) OR e.kind IN ('ungradable', 'note'))
           GROUP BY e.image_id, e.reader_id, e.kind
         )
         SELECT l.image_id, l.reader_id, r.name AS reader_name, l.kind, e.value, e.id AS event_id, e.note, e.created_at
         FROM latest l JOIN label_events e ON e.id = l.event_id JOIN readers r ON r.id = l.reader_id
         ORDER BY l.image_id, r.name, l.kind`,
      )
      .all({ projectId, imageId: imageId ?? null }) as Array<{
      image_id: number;
      reader_id: number;
      reader_name: string;
      kind: 'label' | 'note' | 'ungradable';
      value: string | null;
      event_id: number;
      note: string | null;
      created_at: string;
    }>;
    const calls = new Map<string, GraderCallRow>();
    // A grader's note on the image (Review's N) stands beside their grade when the grade carries none.
    const notes = new Map<string, string | null>();
    for (const row of rows) {
      const key = `${row.image_id}/${row.reader_id}`;
      if (row.kind === 'note') {
        notes.set(key, row.value === null ? null : storedJson<string>(row.value, `a note on image ${row.image_id}`));
        continue;
      }
      const common = { imageId: row.image_id, readerId: row.reader_id, readerName: row.reader_name, eventId: row.event_id, note: row.note, gradedAt: row.created_at };
      if (row.kind === 'ungradable') {
        if (row.value === 'true') calls.set(key, { ...common, value: null, ungradable: true });
        continue;
      }
      const value = row.value === null ? null : storedJson<LabelValue | null>(row.value, `a grade of image ${row.image_id}`);
      if (value !== null && !calls.has(key)) calls.set(key, { ...common, value, ungradable: false });
    }
    for (const [key, call] of calls) if (call.note === null) call.note = notes.get(key) ?? null;
    return [...calls.values()].sort((a, b) => a.imageId - b.imageId || a.readerName.localeCompare(b.readerName));
  }

  /**
   * The readers with a standing call (see graderCalls) on each image of a project that has one, kept until the
   * database changes: work queues are read at every image Review opens in one, and a project's calls take a while.
   */
  callersByImage(projectId: number): ReadonlyMap<number, ReadonlySet<number>> {
    const version = this.dataVersion.current();
    if (this.callers?.projectId === projectId && this.callers.version === version) return this.callers.byImage;
    // graderCalls' rule without its notes, names and values: a latest blind grade that is not cleared, or a latest ungradable flag that is set.
    const rows = this.db
      .prepare(
        `WITH latest AS (
           SELECT e.image_id, e.reader_id, e.kind, MAX(e.id) AS event_id FROM label_events e JOIN images i ON i.id = e.image_id
           WHERE i.project_id = ? AND i.status = 'ok' AND e.reader_id IS NOT NULL AND ((e.kind = 'label' AND e.blind = 1) OR e.kind = 'ungradable')
           GROUP BY e.image_id, e.reader_id, e.kind
         )
         SELECT DISTINCT l.image_id AS imageId, l.reader_id AS readerId FROM latest l JOIN label_events e ON e.id = l.event_id
         WHERE (l.kind = 'label' AND e.value IS NOT NULL AND e.value <> 'null') OR (l.kind = 'ungradable' AND e.value = 'true')`,
      )
      .all(projectId) as Array<{ imageId: number; readerId: number }>;
    const byImage = new Map<number, Set<number>>();
    for (const { imageId, readerId } of rows) byImage.set(imageId, (byImage.get(imageId) ?? new Set()).add(readerId));
    this.callers = { projectId, version, byImage };
    return byImage;
  }

  /** Whether a reader has a standing call on an image: a blind grade, or ungradable. */
  hasCalled(imageId: number, readerId: number): boolean {
    const image = this.db.prepare('SELECT project_id FROM images WHERE id = ?').pluck().get(imageId) as number | undefined;
    return image !== undefined && this.graderCalls(image, imageId).some((call) => call.readerId === readerId);
  }

  /** The image's latest label event that is not a blind grade, or null when it has none. */
  finalLabelEvent(imageId: number): FinalLabelEvent | null {
    const row = this.db
      .prepare(
        `SELECT id, source, origin, reader_id, value, undoes_event_id FROM label_events
         WHERE image_id = ? AND kind = 'label' AND blind = 0 ORDER BY id DESC LIMIT 1`,
      )
      .get(imageId) as { id: number; source: LabelSource; origin: string | null; reader_id: number | null; value: string | null; undoes_event_id: number | null } | undefined;
    if (!row) return null;
    return {
      eventId: row.id,
      source: row.source,
      origin: row.origin,
      readerId: row.reader_id,
      value: row.value === null ? null : storedJson<LabelValue>(row.value, `the label of image ${imageId}`),
      isUndo: row.undoes_event_id !== null,
    };
  }

  /** The readable images of a project in file (natural name) order. */
  imagesInFileOrder(projectId: number): number[] {
    return this.db.prepare("SELECT id FROM images WHERE project_id = ? AND status = 'ok' ORDER BY name_key, id").pluck().all(projectId) as number[];
  }
}
