import type { Db } from './database';
import { writeTransaction } from './write-transaction';

/** The space of the head trained on every graded image of the model's snapshot. */
export const FULL_SPACE = -1;

/**
 * ArcFace embeddings of a model, one L2-normalised float32 vector per image and space: FULL_SPACE, or
 * fold k for the head trained without fold k (see migration 005).
 */
export class EmbeddingStore {
  constructor(private readonly db: Db) {}

  put(modelId: number, rows: ReadonlyArray<{ imageId: number; vector: Float32Array }>, fold = FULL_SPACE): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO embeddings (model_id, fold, image_id, vector) VALUES (?, ?, ?, ?)');
    writeTransaction(this.db, () => {
      for (const row of rows) insert.run(modelId, fold, row.imageId, Buffer.from(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength));
    });
  }

  /** Every embedding of a model in one space, by image id ascending. */
  all(modelId: number, fold = FULL_SPACE): Array<{ imageId: number; vector: Float32Array }> {
    return (
      this.db.prepare('SELECT image_id, vector FROM embeddings WHERE model_id = ? AND fold = ? ORDER BY image_id').all(modelId, fold) as Array<{ image_id: number; vector: Buffer }>
    ).map((row) => ({ imageId: row.image_id, vector: toFloats(row.vector) }));
  }

  get(modelId: number, imageId: number, fold = FULL_SPACE): Float32Array | null {
    const row = this.db.prepare('SELECT vector FROM embeddings WHERE model_id = ? AND fold = ? AND image_id = ?').get(modelId, fold, imageId) as
      | { vector: Buffer }
      | undefined;
    return row ? toFloats(row.vector) : null;
  }

  count(modelId: number, fold = FULL_SPACE): number {
    return (this.db.prepare('SELECT count(*) AS n FROM embeddings WHERE model_id = ? AND fold = ?').get(modelId, fold) as { n: number }).n;
  }

  /** Drops every space of a model's embeddings. */
  clear(modelId: number): void {
    this.db.prepare('DELETE FROM embeddings WHERE model_id = ?').run(modelId);
  }
}

// Copy: a blob's buffer may not be 4-byte aligned.
const toFloats = (blob: Buffer) => new Float32Array(new Uint8Array(blob).buffer);
