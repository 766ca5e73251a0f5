import type { Migration } from './types';

/**
 * The ungradable flag and the note become events of the label log, so that they are audited (reader,
 * time, previous value) and undone like grades. Existing events are grades (`kind` 'label'); the flags
 * and notes already on image rows stay as they are, and their next change records the value it replaces.
 * An undo names the event it undoes and the earlier event whose value it restores (an imported value
 * stays imported, with its label file, after a reader's grade over it is undone).
 */
export const auditedFlags: Migration = {
  version: 7,
  name: 'ungradable flags and notes as label events; undo events name what they undo and restore',
  sql: `
    ALTER TABLE label_events ADD COLUMN kind TEXT NOT NULL DEFAULT 'label' CHECK (kind IN ('label', 'ungradable', 'note'));
    ALTER TABLE label_events ADD COLUMN undoes_event_id INTEGER REFERENCES label_events(id);
    ALTER TABLE label_events ADD COLUMN restores_event_id INTEGER REFERENCES label_events(id);
    CREATE INDEX label_events_by_image_kind ON label_events(image_id, kind, id);
  `,
};
