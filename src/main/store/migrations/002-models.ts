import type { Migration } from './types';

export const models: Migration = {
  version: 2,
  name: 'models with their epochs and training snapshot, predictions, user backbones, cached backbone features',
  sql: `
    CREATE TABLE models (
      id              INTEGER PRIMARY KEY,
      project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      name            TEXT NOT NULL,
      status          TEXT NOT NULL CHECK (status IN ('training', 'ready', 'failed', 'cancelled')),
      active          INTEGER NOT NULL DEFAULT 0,
      backbone_id     TEXT NOT NULL,
      input_size      INTEGER NOT NULL,
      head            TEXT NOT NULL,
      strategy        TEXT NOT NULL,
      preprocessing   TEXT NOT NULL,
      task_kind       TEXT NOT NULL,
      classes         TEXT NOT NULL,            -- JSON array, as the project had them when training started
      options         TEXT NOT NULL,            -- JSON TrainOptions
      thresholds      TEXT,                     -- JSON number[]: regression cut points or per-label thresholds
      evaluation      TEXT,                     -- JSON Evaluation, out-of-fold
      dir             TEXT NOT NULL,            -- where weights and checkpoints live
      error           TEXT,
      worker_pid      INTEGER,                  -- the process training it; a dead pid means interrupted
      created_at      TEXT NOT NULL,
      finished_at     TEXT
    );
    CREATE INDEX models_by_project ON models(project_id, id);
    CREATE UNIQUE INDEX one_active_model ON models(project_id) WHERE active = 1;

    CREATE TABLE model_epochs (
      model_id          INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
      fold              INTEGER NOT NULL,
      epoch             INTEGER NOT NULL,
      train_loss        REAL NOT NULL,
      validation_loss   REAL,
      validation_metric REAL,
      learning_rate     REAL NOT NULL,
      seconds           REAL NOT NULL,
      PRIMARY KEY (model_id, fold, epoch)
    ) WITHOUT ROWID;

    -- The labelled images a model trained on, with the label they had then and their fold
    -- (-1: trained on in every fold, i.e. the hold-out plan's training side).
    CREATE TABLE model_training_images (
      model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
      image_id    INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      label_value TEXT NOT NULL,
      fold        INTEGER NOT NULL,
      PRIMARY KEY (model_id, image_id)
    ) WITHOUT ROWID;

    CREATE TABLE predictions (
      model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
      image_id      INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      probabilities TEXT,                       -- JSON number[]; NULL for regression
      predicted     TEXT NOT NULL,              -- JSON label value
      predicted_class INTEGER,                  -- single-label tasks, for filtering and sorting
      predicted_mask  INTEGER,                  -- multilabel bits
      expected      REAL,
      referable     REAL,
      entropy       REAL,
      margin        REAL,
      out_of_fold   INTEGER NOT NULL,           -- from the fold model that did not train on the image
      in_training_set INTEGER NOT NULL,         -- the image was in the model's training snapshot
      created_at    TEXT NOT NULL,
      PRIMARY KEY (model_id, image_id)
    ) WITHOUT ROWID;
    CREATE INDEX predictions_by_image ON predictions(image_id);

    -- Backbones the user added from disk or a URL (the bundled one is built in).
    CREATE TABLE backbones (
      id          TEXT PRIMARY KEY,
      spec        TEXT NOT NULL,                -- JSON BackboneInfo plus its sha256 for URL downloads
      created_at  TEXT NOT NULL
    );

    -- Backbone features by content: the same photograph in two projects is extracted once.
    CREATE TABLE features (
      sha256     TEXT NOT NULL,
      extractor  TEXT NOT NULL,                 -- backbone, input size and preprocessing
      view       TEXT NOT NULL,                 -- original or an augmentation (flip-h, rot-90, ...)
      vector     BLOB NOT NULL,                 -- float32 little-endian
      PRIMARY KEY (sha256, extractor, view)
    ) WITHOUT ROWID;
  `,
};
