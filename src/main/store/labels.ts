import type { CurrentLabel, LabelEvent, LabelSource, LabelValue, TaskSpec } from '../../shared/domain';
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
}

const parseValue = (json: string | null): LabelValue | null => (json === null ? null : storedJson<LabelValue>(json, 'a label value'));

const toEvent = (row: EventRow): LabelEvent => ({
  id: row.id,
  imageId: row.image_id,
  readerName: row.reader_name,
  origin: row.origin,
  value: parseValue(row.value),
  previousValue: parseValue(row.previous_value),
  source: row.source,
  note: row.note,
  createdAt: row.created_at,
});

const EVENT_SELECT = `SELECT e.*, r.name AS reader_name FROM label_events e LEFT JOIN readers r ON r.id = e.reader_id`;

/**
 * Labels as an append-only event log. Every write is one event; the current label of each image is
 * derived from its latest event and kept on the image row (`label_*` columns) within the same transaction.
 */
export class LabelStore {
  private readonly insertEvent;
  private readonly updateCurrent;
  private readonly selectCurrent;
  private readonly selectImage;
  private readonly selectEvent;
  private readonly selectReader;

  constructor(private readonly db: Db) {
    this.insertEvent = db.prepare(
      `INSERT INTO label_events (image_id, reader_id, origin, value, previous_value, source, note, created_at)
       VALUES (@imageId, @readerId, @origin, @value, @previousValue, @source, @note, @createdAt)`,
    );
    this.updateCurrent = db.prepare(
      `UPDATE images SET label_value = @value, label_class = @classIndex, label_mask = @labelMask,
         label_event_id = @eventId, label_updated_at = @updatedAt
       WHERE id = @imageId`,
    );
    this.selectCurrent = db.prepare(
      `SELECT i.id AS image_id, i.label_value AS value, i.label_event_id AS event_id, i.label_updated_at AS updated_at,
         e.source, r.name AS reader_name
       FROM images i JOIN label_events e ON e.id = i.label_event_id LEFT JOIN readers r ON r.id = e.reader_id
       WHERE i.id = ? AND i.label_value IS NOT NULL`,
    );
    this.selectImage = db.prepare(`SELECT status, label_value FROM images WHERE id = ?`);
    this.selectReader = db.prepare('SELECT id FROM readers WHERE id = ?');
    this.selectEvent = db.prepare(`${EVENT_SELECT} WHERE e.id = ?`);
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
   * Undoes an event by writing a new one that restores the value it replaced. Only the latest event of
   * an image can be undone, so that an undo never silently discards a later reader's grade.
   */
  undo(task: TaskSpec, eventId: number, readerId: number): LabelEvent {
    return writeTransaction(this.db, () => {
      const event = this.event(eventId);
      const latest = this.db.prepare('SELECT MAX(id) AS id FROM label_events WHERE image_id = ?').get(event.imageId) as {
        id: number;
      };
      if (latest.id !== eventId) {
        throw conflict(`Label event ${eventId} cannot be undone: the image has been labelled again since (event ${latest.id}).`);
      }
      return this.recordInTransaction(
        task,
        { imageId: event.imageId, value: event.previousValue, source: 'reader', readerId, note: `undo of event ${eventId}` },
        {},
      )!;
    });
  }

  /** Undoes several events (a bulk grade) in one transaction: all of them, or none when one cannot be undone. */
  undoMany(task: TaskSpec, eventIds: readonly number[], readerId: number): LabelEvent[] {
    return writeTransaction(this.db, () => [...eventIds].reverse().map((eventId) => this.undo(task, eventId, readerId)));
  }

  event(eventId: number): LabelEvent {
    const row = this.selectEvent.get(eventId) as EventRow | undefined;
    if (!row) throw notFound(`There is no label event ${eventId}.`);
    return toEvent(row);
  }

  /** Every event of an image, oldest first. */
  history(imageId: number): LabelEvent[] {
    return (this.db.prepare(`${EVENT_SELECT} WHERE e.image_id = ? ORDER BY e.id`).all(imageId) as EventRow[]).map(toEvent);
  }

  current(imageId: number): CurrentLabel | null {
    const row = this.selectCurrent.get(imageId) as
      | { image_id: number; value: string; event_id: number; updated_at: string; source: LabelSource; reader_name: string | null }
      | undefined;
    if (!row) return null;
    return {
      imageId: row.image_id,
      value: storedJson<LabelValue>(row.value, `the label of image ${row.image_id}`),
      source: row.source,
      readerName: row.reader_name,
      eventId: row.event_id,
      updatedAt: row.updated_at,
    };
  }

  private recordInTransaction(task: TaskSpec, label: NewLabel, options: { onlyIfChanged?: boolean }): LabelEvent | null {
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
    const previous = parseValue(image.label_value);
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
    });
    const eventId = Number(lastInsertRowid);
    this.updateCurrent.run({ imageId: label.imageId, ...this.currentColumns(task, value), eventId, updatedAt: createdAt });
    return this.event(eventId);
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
