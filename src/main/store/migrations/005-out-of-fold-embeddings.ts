import type { Migration } from './types';

/**
 * Embeddings per model and per space: `fold` -1 is the head trained on every graded image of the model's
 * snapshot; fold k, the head trained without fold k, in which fold k's images are looked up, so that no
 * image's own label shapes the space its neighbours are found in. Embeddings computed before this had
 * only the first space and echoed the label under review: they are dropped, to be computed again.
 */
export const outOfFoldEmbeddings: Migration = {
  version: 5,
  name: 'Out-of-fold embedding spaces',
  sql: `
    DROP TABLE embeddings;
    CREATE TABLE embeddings (
      model_id  INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
      fold      INTEGER NOT NULL,              -- -1: every graded image; k: trained without fold k
      image_id  INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      vector    BLOB NOT NULL,                  -- float32, L2-normalised
      PRIMARY KEY (model_id, fold, image_id)
    ) WITHOUT ROWID;
    CREATE INDEX embeddings_by_image ON embeddings(image_id);
  `,
};
