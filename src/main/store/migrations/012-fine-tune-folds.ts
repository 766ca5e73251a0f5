import type { Migration } from './types';

/**
 * How each fold of a fine-tuned model ended against its warm head (the head trained alone on the pretrained
 * features before any block trained), on the fold's validation images: whether fine-tuning paid off.
 */
export const fineTuneFolds: Migration = {
  version: 12,
  name: 'per-fold outcome of fine-tuning against its warm head',
  sql: `
    CREATE TABLE model_fine_tune_folds (
      model_id          INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
      fold              INTEGER NOT NULL,       -- from 1, as in model_epochs
      warm_head_metric  REAL,                   -- the validation metric of the warm head alone
      fine_tuned_metric REAL,                   -- of the fine-tuned network (NULL: no metric, or it diverged)
      kept_warm_head    INTEGER NOT NULL CHECK (kept_warm_head IN (0, 1)),
      PRIMARY KEY (model_id, fold)
    );
  `,
};
