import type { Db } from './database';
import { writeTransaction } from './write-transaction';

/** ArcFace embeddings of a model, one L2-normalised float32 vector per image. */
export class EmbeddingStore {
  constructor(private readonly db: Db) {}

  put(modelId: number, rows: ReadonlyArray<{ imageId: number; vector: Float32Array }>): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO embeddings (model_id, image_id, vector) VALUES (?, ?, ?)');
    writeTransaction(this.db, () => {
      for (const row of rows) insert.run(modelId, row.imageId, Buffer.from(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength));
    });
  }

  /** Every embedding of a model, by image id ascending. */
  all(modelId: number): Array<{ imageId: number; vector: Float32Array }> {
    return (this.db.prepare('SELECT image_id, vector FROM embeddings WHERE model_id = ? ORDER BY image_id').all(modelId) as Array<{ image_id: number; vector: Buffer }>).map(
      (row) => ({ imageId: row.image_id, vector: toFloats(row.vector) }),
    );
  }

  get(modelId: number, imageId: number): Float32Array | null {
    const row = this.db.prepare('SELECT vector FROM embeddings WHERE model_id = ? AND image_id = ?').get(modelId, imageId) as { vector: Buffer } | undefined;
    return row ? toFloats(row.vector) : null;
  }

  count(modelId: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM embeddings WHERE model_id = ?').get(modelId) as { n: number }).n;
  }

  clear(modelId: number): void {
    this.db.prepare('DELETE FROM embeddings WHERE model_id = ?').run(modelId);
  }
}

// Copy: a blob's buffer may not be 4-byte aligned.
const toFloats = (blob: Buffer) => new Float32Array(new Uint8Array(blob).buffer);
