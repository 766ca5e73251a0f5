import type { Migration } from './types';

export const embeddings: Migration = {
  version: 3,
  name: 'ArcFace embeddings per model and image',
  sql: `
    CREATE TABLE embeddings (
      model_id  INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
      image_id  INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      vector    BLOB NOT NULL,                  -- float32, L2-normalised
      PRIMARY KEY (model_id, image_id)
    ) WITHOUT ROWID;
    CREATE INDEX embeddings_by_image ON embeddings(image_id);
  `,
};
