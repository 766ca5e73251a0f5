import type { CurrentLabel, ImageEvent, ImageEventKind, LabelEvent, LabelSource, LabelValue, RestoredFrom, TaskSpec } from '../../shared/domain';
import { conflict, invalid, notFound } from '../../shared/errors';
import { sameLabel, validateLabelValue } from '../../shared/labels';
import type { Db } from './database';
import { writeTransaction } from './write-transaction';
import { storedJson } from './failures';

export interface NewLabel {
  imageId: number;
  value: LabelValue | null;
  source: LabelSource;
  /** Required for `reader` and `adjudication` events. */
  readerId?: number;
  /** The label file of an import, the model of an accepted prediction. */
  origin?: string;
  note?: string;
  /**
   * A grader's own grade under a double protocol: an event of that grader, kept in the history, which leaves
   * the image's current (final) label as it is. Its previous value is the grader's own previous grade.
   */
  blind?: boolean;
}

/** A reader's standing label of one image (a grade, a class or, for multilabel, a list), and the event that gave it. */
export interface ReaderLabel {
  imageId: number;
  groupId: string;
  readerName: string;
  value: LabelValue;
  eventId: number;
  /** When the reader gave it (ISO timestamp). */
  gradedAt: string;
}

/** A reader's standing grade of one image of a single-label project. */
export interface ReaderGrade extends ReaderLabel {
  value: number;
}

/** An image's current class and the event that value comes from. */
export interface CurrentClass {
  imageId: number;
  groupId: string;
  value: number;
  fromEventId: number;
  /** Who gave that value, and when (ISO timestamp). */
  source: LabelSource;
  labelledAt: string;
}

/** An undo: the event it undoes, and the earlier event whose value it restores. */
interface UndoLink {
  undoesEventId: number;
  restoresEventId: number | null;
}

interface EventRow {
  id: number;
  image_id: number;
  reader_name: string | null;
  origin: string | null;
  value: string | null;
  previous_value: string | null;
  source: LabelSource;
  note: string | null;
  created_at: string;
  kind: ImageEventKind;
  undoes_event_id: number | null;
  restored_id: number | null;
  restored_source: LabelSource | null;
  restored_origin: string | null;
  restored_reader_name: string | null;
}

const parseValue = (json: string | null): LabelValue | null => (json === null ? null : storedJson<LabelValue>(json, 'a label value'));

const restoredFrom = (row: Pick<EventRow, 'restored_id' | 'restored_source' | 'restored_origin' | 'restored_reader_name'>): RestoredFrom | null =>
  row.restored_id === null
    ? null
    : { eventId: row.restored_id, source: row.restored_source!, origin: row.restored_origin, readerName: row.restored_reader_name };

const toEvent = (row: EventRow): ImageEvent => {
  const common = {
    id: row.id,
    imageId: row.image_id,
    readerName: row.reader_name,
    origin: row.origin,
    source: row.source,
    note: row.note,
    createdAt: row.created_at,
    undoOf: row.undoes_event_id,
    restored: restoredFrom(row),
  };
  switch (row.kind) {
    case 'ungradable':
      return { ...common, kind: 'ungradable', value: JSON.parse(row.value!) as boolean, previousValue: JSON.parse(row.previous_value!) as boolean };
    case 'note':
      return { ...common, kind: 'note', value: parseNote(row.value), previousValue: parseNote(row.previous_value) };
    default:
      return { ...common, kind: 'label', value: parseValue(row.value), previousValue: parseValue(row.previous_value) };
  }
};
const parseNote = (json: string | null): string | null => (json === null ? null : (JSON.parse(json) as string));

/** Events with their reader and, for an undo, the event whose value it restored. */
const EVENT_SELECT = `SELECT e.*, r.name AS reader_name, o.id AS restored_id, o.source AS restored_source, o.origin AS restored_origin,
    ro.name AS restored_reader_name
  FROM label_events e LEFT JOIN readers r ON r.id = e.reader_id
    LEFT JOIN label_events o ON o.id = e.restores_event_id LEFT JOIN readers ro ON ro.id = o.reader_id`;

/**
 * Labels as an append-only event log. Every write is one event; the current label of each image is
 * derived from its latest event and kept on the image row (`label_*` columns) within the same transaction.
 * The ungradable flag and the note are events of the same log (kinds 'ungradable' and 'note'), kept on
 * the image row the same way.
 */
export class LabelStore {
  private readonly insertEvent;
  private readonly updateCurrent;
  private readonly selectCurrent;
  private readonly selectImage;
  private readonly selectEvent;
  private readonly selectReader;
  private readonly selectFlags;
  private readonly updateUngradable;
  private readonly updateNote;

  constructor(private readonly db: Db) {
    this.insertEvent = db.prepare(
      `INSERT INTO label_events (image_id, reader_id, origin, value, previous_value, source, note, created_at, kind, undoes_event_id, restores_event_id, blind)
       VALUES (@imageId, @readerId, @origin, @value, @previousValue, @source, @note, @createdAt, @kind, @undoesEventId, @restoresEventId, @blind)`,
    );
    this.updateCurrent = db.prepare(
      `UPDATE images SET label_value = @value, label_class = @classIndex, label_mask = @labelMask,
         label_event_id = @eventId, label_updated_at = @updatedAt
       WHERE id = @imageId`,
    );
    this.selectCurrent = db.prepare(
      `SELECT i.id AS image_id, i.label_value AS value, i.label_event_id AS event_id, i.label_updated_at AS updated_at,
         e.source, r.name AS reader_name, o.id AS restored_id, o.source AS restored_source, o.origin AS restored_origin,
         ro.name AS restored_reader_name
       FROM images i JOIN label_events e ON e.id = i.label_event_id LEFT JOIN readers r ON r.id = e.reader_id
         LEFT JOIN label_events o ON o.id = e.restores_event_id LEFT JOIN readers ro ON ro.id = o.reader_id
       WHERE i.id = ? AND i.label_value IS NOT NULL`,
    );
    this.selectImage = db.prepare(`SELECT status, label_value FROM images WHERE id = ?`);
    this.selectReader = db.prepare('SELECT id FROM readers WHERE id = ?');
    this.selectEvent = db.prepare(`${EVENT_SELECT} WHERE e.id = ?`);
    this.selectFlags = db.prepare('SELECT ungradable, note FROM images WHERE id = ?');
    this.updateUngradable = db.prepare('UPDATE images SET ungradable = ? WHERE id = ?');
    this.updateNote = db.prepare('UPDATE images SET note = ? WHERE id = ?');
  }

  /**
   * Writes one label event and updates the current label. With `onlyIfChanged`, an event that would not
   * change the current label is not written (re-importing the same label file adds nothing).
   */
  record(task: TaskSpec, label: NewLabel, options: { onlyIfChanged?: boolean } = {}): LabelEvent | null {
    return writeTransaction(this.db, () => this.recordInTransaction(task, label, options));
  }

  /** Several events in one transaction: all are written, or none. */
  recordMany(task: TaskSpec, labels: readonly NewLabel[], options: { onlyIfChanged?: boolean } = {}): LabelEvent[] {
    return writeTransaction(this.db, () =>
      labels.map((label) => this.recordInTransaction(task, label, options)).filter((e): e is LabelEvent => e !== null),
    );
  }

  /**
   * Undoes an event (a label, an ungradable flag or a note) by writing a new one that restores the value
   * it replaced. Only the latest event of its kind on an image can be undone, so that an undo never
   * silently discards a later reader's grade.
   */
  undo(task: TaskSpec, eventId: number, readerId: number): ImageEvent {
    return writeTransaction(this.db, () => {
      const event = this.event(eventId);
      const blind = this.blindGrader(eventId);
      if (blind !== null) return this.undoBlind(task, event as LabelEvent, blind, readerId);
      const latest = this.db
        .prepare('SELECT MAX(id) AS id FROM label_events WHERE image_id = ? AND kind = ? AND blind = 0')
        .get(event.imageId, event.kind) as { id: number };
      if (latest.id !== eventId) {
        const what = event.kind === 'label' ? 'labelled' : event.kind === 'ungradable' ? 'flagged or unflagged' : 'given another note';
        throw conflict(`Label event ${eventId} cannot be undone: the image has been ${what} again since (event ${latest.id}).`);
      }
      const note = `undo of event ${eventId}`;
      if (event.kind === 'ungradable') return this.flagInTransaction(event.imageId, readerId, event.previousValue, { undoesEventId: eventId, restoresEventId: null }, note)!;
      if (event.kind === 'note') return this.noteInTransaction(event.imageId, readerId, event.previousValue, { undoesEventId: eventId, restoresEventId: null }, note)!;
      return this.recordInTransaction(
        task,
        { imageId: event.imageId, value: event.previousValue, source: 'reader', readerId, note },
        {},
        { undoesEventId: eventId, restoresEventId: event.previousValue === null ? null : this.sourceOfValueBefore(event) },
      )!;
    });
  }

  /** The grader of a blind grade event, or null when the event is not one. */
  blindGrader(eventId: number): number | null {
    const row = this.db.prepare('SELECT blind, reader_id FROM label_events WHERE id = ?').get(eventId) as { blind: number; reader_id: number } | undefined;
    return row?.blind ? row.reader_id : null;
  }

  /** A grader's blind grade is undone by that grader only, and only while it is their latest grade of the image. */
  private undoBlind(task: TaskSpec, event: LabelEvent, graderId: number, readerId: number): LabelEvent {
    if (graderId !== readerId) throw conflict(`Label event ${event.id} is another grader's blind grade; only they can undo it.`);
    const latest = this.db
      .prepare("SELECT MAX(id) FROM label_events WHERE image_id = ? AND reader_id = ? AND kind = 'label' AND blind = 1")
      .pluck()
      .get(event.imageId, graderId) as number;
    if (latest !== event.id) throw conflict(`Label event ${event.id} cannot be undone: you have graded the image again since (event ${latest}).`);
    return this.recordInTransaction(
      task,
      { imageId: event.imageId, value: event.previousValue, source: 'reader', readerId, note: `undo of event ${event.id}`, blind: true },
      {},
      { undoesEventId: event.id, restoresEventId: null },
    )!;
  }

  /** Undoes several events (a bulk grade) in one transaction: all of them, or none when one cannot be undone. */
  undoMany(task: TaskSpec, eventIds: readonly number[], readerId: number): ImageEvent[] {
    return writeTransaction(this.db, () => [...eventIds].reverse().map((eventId) => this.undo(task, eventId, readerId)));
  }

  /** Sets or clears an image's ungradable flag as an audited event; null when it already had that value. */
  setUngradable(imageId: number, ungradable: boolean, readerId: number): ImageEvent | null {
    return writeTransaction(this.db, () => this.flagInTransaction(imageId, readerId, ungradable, null));
  }

  /** Writes, changes or (with null or blank text) removes an image's note as an audited event; null when unchanged. */
  setNote(imageId: number, note: string | null, readerId: number): ImageEvent | null {
    return writeTransaction(this.db, () => this.noteInTransaction(imageId, readerId, note?.trim() || null, null));
  }

  /** Images of the project this reader has graded (a label of their own, not an undo) since `since`. */
  gradedSince(projectId: number, readerId: number, since: string): number {
    return this.db
      .prepare(
        `SELECT COUNT(DISTINCT e.image_id) FROM label_events e JOIN images i ON i.id = e.image_id
         WHERE i.project_id = ? AND e.reader_id = ? AND e.kind = 'label' AND e.undoes_event_id IS NULL
           AND e.source IN ('reader', 'model-accepted') AND e.value IS NOT NULL AND e.created_at >= ?`,
      )
      .pluck()
      .get(projectId, readerId, since) as number;
  }

  /** Each reader's current grade of each image of a single-label project (`labelsByReader`, single-label values only). */
  gradesByReader(projectId: number): ReaderGrade[] {
    return this.labelsByReader(projectId).filter((label): label is ReaderGrade => typeof label.value === 'number');
  }

  /**
   * Each reader's current label of each image, by image and reader name: the latest label the reader gave
   * (source `reader`, or a suggestion the reader accepted) that still stands — not undone, or undone and the
   * undo undone in turn (an even chain of undos). A reader's cleared label is no label.
   */
  labelsByReader(projectId: number): ReaderLabel[] {
    const rows = this.db
      .prepare(
        `WITH RECURSIVE undos(origin, image_id, event_id, depth) AS (
           SELECT e.id, e.image_id, e.id, 0 FROM label_events e JOIN images i ON i.id = e.image_id
           WHERE i.project_id = ? AND i.status = 'ok' AND e.kind = 'label' AND e.undoes_event_id IS NULL
             AND e.source IN ('reader', 'model-accepted') AND e.reader_id IS NOT NULL
           UNION ALL
           SELECT undos.origin, u.image_id, u.id, undos.depth + 1 FROM undos
             JOIN label_events u ON u.image_id = undos.image_id AND u.id > undos.event_id AND u.undoes_event_id = undos.event_id
         ),
         standing AS (SELECT origin FROM undos GROUP BY origin HAVING MAX(depth) % 2 = 0),
         latest AS (
           SELECT e.image_id, e.reader_id, MAX(e.id) AS event_id FROM label_events e JOIN standing s ON s.origin = e.id
           GROUP BY e.image_id, e.reader_id
         )
         SELECT l.image_id, i.group_id, r.name AS reader_name, e.value, l.event_id, e.created_at
         FROM latest l JOIN label_events e ON e.id = l.event_id JOIN images i ON i.id = l.image_id JOIN readers r ON r.id = l.reader_id
         WHERE e.value IS NOT NULL AND json_type(e.value) <> 'null'
         ORDER BY l.image_id, r.name`,
      )
      .all(projectId) as Array<{ image_id: number; group_id: string; reader_name: string; value: string; event_id: number; created_at: string }>;
    return rows.map((row) => ({
      imageId: row.image_id,
      groupId: row.group_id,
      readerName: row.reader_name,
      value: storedJson<LabelValue>(row.value, `a label of image ${row.image_id}`),
      eventId: row.event_id,
      gradedAt: row.created_at,
    }));
  }

  /**
   * The current class of each labelled image of a single-label project, with the event its value comes
   * from (for a label an undo brought back, the event that first gave it).
   */
  currentClasses(projectId: number): CurrentClass[] {
    const rows = this.db
      .prepare(
        `SELECT i.id AS image_id, i.group_id, i.label_class, g.id AS from_event_id, g.source, g.created_at
         FROM images i JOIN label_events e ON e.id = i.label_event_id JOIN label_events g ON g.id = COALESCE(e.restores_event_id, e.id)
         WHERE i.project_id = ? AND i.status = 'ok' AND i.label_class IS NOT NULL ORDER BY i.id`,
      )
      .all(projectId) as Array<{ image_id: number; group_id: string; label_class: number; from_event_id: number; source: LabelSource; created_at: string }>;
    return rows.map((row) => ({
      imageId: row.image_id,
      groupId: row.group_id,
      value: row.label_class,
      fromEventId: row.from_event_id,
      source: row.source,
      labelledAt: row.created_at,
    }));
  }

  event(eventId: number): ImageEvent {
    const row = this.selectEvent.get(eventId) as EventRow | undefined;
    if (!row) throw notFound(`There is no label event ${eventId}.`);
    return toEvent(row);
  }

  /** Every event of an image (labels, flags and notes), oldest first. */
  history(imageId: number): ImageEvent[] {
    return (this.db.prepare(`${EVENT_SELECT} WHERE e.image_id = ? ORDER BY e.id`).all(imageId) as EventRow[]).map(toEvent);
  }

  current(imageId: number): CurrentLabel | null {
    const row = this.selectCurrent.get(imageId) as
      | (Parameters<typeof restoredFrom>[0] & {
          image_id: number;
          value: string;
          event_id: number;
          updated_at: string;
          source: LabelSource;
          reader_name: string | null;
        })
      | undefined;
    if (!row) return null;
    return {
      imageId: row.image_id,
      value: storedJson<LabelValue>(row.value, `the label of image ${row.image_id}`),
      source: row.source,
      readerName: row.reader_name,
      eventId: row.event_id,
      updatedAt: row.updated_at,
      restoredFrom: restoredFrom(row),
    };
  }

  private recordInTransaction(task: TaskSpec, label: NewLabel, options: { onlyIfChanged?: boolean }, undo: UndoLink | null = null): LabelEvent | null {
    const image = this.selectImage.get(label.imageId) as { status: string; label_value: string | null } | undefined;
    if (!image) throw notFound(`There is no image with id ${label.imageId}.`);
    if (image.status !== 'ok') throw conflict(`Image ${label.imageId} could not be imported, so it cannot be labelled.`);
    if ((label.source === 'reader' || label.source === 'adjudication') && label.readerId === undefined) {
      throw invalid(`${label.source === 'reader' ? 'A reader' : 'An adjudication'} label needs a reader.`);
    }
    if (label.readerId !== undefined && !this.selectReader.get(label.readerId)) {
      throw notFound(`There is no reader with id ${label.readerId}.`);
    }
    const value = label.value === null ? null : validateLabelValue(task, label.value);
    const previous = label.blind ? this.blindValue(label.imageId, label.readerId!) : parseValue(image.label_value);
    if (options.onlyIfChanged && sameLabel(previous, value)) return null;

    const createdAt = new Date().toISOString();
    const { lastInsertRowid } = this.insertEvent.run({
      imageId: label.imageId,
      readerId: label.readerId ?? null,
      origin: label.origin ?? null,
      value: value === null ? null : JSON.stringify(value),
      previousValue: previous === null ? null : JSON.stringify(previous),
      source: label.source,
      note: label.note?.trim() || null,
      createdAt,
      kind: 'label',
      undoesEventId: undo?.undoesEventId ?? null,
      restoresEventId: undo?.restoresEventId ?? null,
      blind: label.blind ? 1 : 0,
    });
    const eventId = Number(lastInsertRowid);
    if (!label.blind) this.updateCurrent.run({ imageId: label.imageId, ...this.currentColumns(task, value), eventId, updatedAt: createdAt });
    return this.event(eventId) as LabelEvent;
  }

  /** A grader's standing blind grade of an image (their latest blind event's value), or null. */
  private blindValue(imageId: number, readerId: number): LabelValue | null {
    const value = this.db
      .prepare("SELECT value FROM label_events WHERE image_id = ? AND reader_id = ? AND kind = 'label' AND blind = 1 ORDER BY id DESC LIMIT 1")
      .pluck()
      .get(imageId, readerId) as string | null | undefined;
    return parseValue(value ?? null);
  }

  /**
   * The event whose label value was current before `event`: the label file's row for an imported value
   * (followed through earlier undos), so that undoing a grade over it says the imported value is back.
   */
  private sourceOfValueBefore(event: ImageEvent): number | null {
    const before = this.db
      .prepare(
        `SELECT id, undoes_event_id AS undoes, restores_event_id AS restores FROM label_events
         WHERE image_id = ? AND kind = 'label' AND blind = 0 AND id < ? ORDER BY id DESC LIMIT 1`,
      )
      .get(event.imageId, event.id) as { id: number; undoes: number | null; restores: number | null } | undefined;
    if (!before) return null;
    return before.undoes === null ? before.id : before.restores;
  }

  private flagInTransaction(imageId: number, readerId: number, ungradable: boolean, undo: UndoLink | null, note?: string): ImageEvent | null {
    const flags = this.flagsOf(imageId, readerId);
    const previous = flags.ungradable === 1;
    if (previous === ungradable) return null;
    const eventId = this.insertFlagEvent(imageId, readerId, 'ungradable', JSON.stringify(ungradable), JSON.stringify(previous), undo, note);
    this.updateUngradable.run(ungradable ? 1 : 0, imageId);
    return this.event(eventId);
  }

  private noteInTransaction(imageId: number, readerId: number, text: string | null, undo: UndoLink | null, note?: string): ImageEvent | null {
    const flags = this.flagsOf(imageId, readerId);
    if (flags.note === text) return null;
    const json = (value: string | null) => (value === null ? null : JSON.stringify(value));
    const eventId = this.insertFlagEvent(imageId, readerId, 'note', json(text), json(flags.note), undo, note);
    this.updateNote.run(text, imageId);
    return this.event(eventId);
  }

  private flagsOf(imageId: number, readerId: number): { ungradable: number; note: string | null } {
    const flags = this.selectFlags.get(imageId) as { ungradable: number; note: string | null } | undefined;
    if (!flags) throw notFound(`There is no image with id ${imageId}.`);
    if (!this.selectReader.get(readerId)) throw notFound(`There is no reader with id ${readerId}.`);
    return flags;
  }

  private insertFlagEvent(
    imageId: number,
    readerId: number,
    kind: 'ungradable' | 'note',
    value: string | null,
    previousValue: string | null,
    undo: UndoLink | null,
    note?: string,
  ): number {
    const { lastInsertRowid } = this.insertEvent.run({
      imageId,
      readerId,
      origin: null,
      value,
      previousValue,
      source: 'reader',
      note: note ?? null,
      createdAt: new Date().toISOString(),
      kind,
      undoesEventId: undo?.undoesEventId ?? null,
      restoresEventId: undo?.restoresEventId ?? null,
      blind: 0,
    });
    return Number(lastInsertRowid);
  }

  /** The label columns of an image row for a value: its JSON, and the class index or bit mask the grid filters on. */
  private currentColumns(task: TaskSpec, value: LabelValue | null) {
    return {
      value: value === null ? null : JSON.stringify(value),
      classIndex: value === null || task.kind === 'multilabel' ? null : (value as number),
      labelMask: value !== null && task.kind === 'multilabel' ? (value as number[]).reduce((mask, index) => mask + 2 ** index, 0) : null,
    };
  }
}
