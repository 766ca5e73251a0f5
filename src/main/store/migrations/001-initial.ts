import type { Migration } from './types';

export const initial: Migration = {
  version: 1,
  name: 'projects, readers, images with their current labels, label events',
  sql: `
    CREATE TABLE projects (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
      task_kind   TEXT NOT NULL CHECK (task_kind IN ('dr-grade', 'multiclass', 'multilabel')),
      classes     TEXT NOT NULL,                 -- JSON array of class names
      created_at  TEXT NOT NULL
    );

    CREATE TABLE readers (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
      created_at  TEXT NOT NULL
    );

    CREATE TABLE images (
      id              INTEGER PRIMARY KEY,
      project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      path            TEXT NOT NULL,
      file_name       TEXT NOT NULL,
      stem            TEXT NOT NULL,             -- file name without extension: the key label files use
      sha256          TEXT NOT NULL,
      phash           TEXT,                      -- 64-bit DCT perceptual hash, hex
      detail_hash     TEXT,                      -- 1024-bit fine-structure hash, hex
      width           INTEGER,
      height          INTEGER,
      bytes           INTEGER NOT NULL,
      format          TEXT,
      group_id        TEXT NOT NULL,
      eye             TEXT CHECK (eye IN ('left', 'right')),
      source_meta     TEXT,                      -- JSON object of label-file columns
      status          TEXT NOT NULL CHECK (status IN ('ok', 'error')),
      error_kind      TEXT,
      error_text      TEXT,
      ungradable      INTEGER NOT NULL DEFAULT 0,
      duplicate_of    INTEGER REFERENCES images(id),
      duplicate_kind  TEXT CHECK (duplicate_kind IN ('exact', 'near')),
      note            TEXT,
      imported_at     TEXT NOT NULL,
      -- The current label, derived from label_events and written in the same transaction as each event
      -- (NULL while the image's file cannot be read). It lives on the image row so that the library grid
      -- filters and sorts without a join.
      label_value      TEXT,                     -- JSON label value; NULL = unlabelled
      label_class      INTEGER,                  -- grade or class index; NULL for multilabel or unlabelled
      label_mask       INTEGER,                  -- multilabel bits; NULL otherwise
      label_event_id   INTEGER,
      label_updated_at TEXT,
      UNIQUE (project_id, path)
    );
    CREATE INDEX images_by_project ON images(project_id);
    CREATE INDEX images_by_sha ON images(project_id, sha256);
    CREATE INDEX images_by_stem ON images(project_id, stem);
    CREATE INDEX images_by_name ON images(project_id, file_name, id);
    CREATE INDEX images_by_label ON images(project_id, label_class, file_name, id);
    CREATE INDEX images_by_group ON images(project_id, group_id);
    -- Partial indexes for the library's flag filters; the WHERE clauses must match the grid's conditions.
    -- The filtered columns are repeated at the end so that SQLite answers from the index alone.
    CREATE INDEX images_unlabelled ON images(project_id, file_name, id, label_value, status) WHERE label_value IS NULL AND status = 'ok';
    CREATE INDEX images_ungradable ON images(project_id, file_name, id) WHERE ungradable = 1;
    CREATE INDEX images_duplicates ON images(project_id, file_name, id) WHERE duplicate_of IS NOT NULL;
    CREATE INDEX images_import_errors ON images(project_id, file_name, id) WHERE status = 'error';

    -- Append-only: a correction or an undo is a new event, never an edit.
    CREATE TABLE label_events (
      id              INTEGER PRIMARY KEY,
      image_id        INTEGER NOT NULL REFERENCES images(id),
      reader_id       INTEGER REFERENCES readers(id),
      origin          TEXT,
      value           TEXT,                      -- JSON label value, NULL = no label
      previous_value  TEXT,
      source          TEXT NOT NULL CHECK (source IN ('reader', 'import', 'adjudication', 'model-accepted')),
      note            TEXT,
      created_at      TEXT NOT NULL
    );
    CREATE INDEX label_events_by_image ON label_events(image_id, id);
    CREATE TRIGGER label_events_no_update BEFORE UPDATE ON label_events
      BEGIN SELECT RAISE(ABORT, 'label events are append-only'); END;
    CREATE TRIGGER label_events_no_delete BEFORE DELETE ON label_events
      BEGIN SELECT RAISE(ABORT, 'label events are append-only'); END;
  `,
};
