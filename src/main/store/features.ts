import type { Db } from './database';
import { writeTransaction } from './write-transaction';

/** Backbone features by image content, extractor and view (original or an augmentation). */
export class FeatureStore {
  constructor(private readonly db: Db) {}

  /** The image hashes that lack at least one of `views` for this extractor. */
  missing(sha256s: readonly string[], extractor: string, views: readonly string[]): string[] {
    const have = this.db.prepare('SELECT count(*) AS n FROM features WHERE sha256 = ? AND extractor = ? AND view IN (SELECT value FROM json_each(?))');
    const viewsJson = JSON.stringify(views);
    return [...new Set(sha256s)].filter((sha) => (have.get(sha, extractor, viewsJson) as { n: number }).n < views.length);
  }

  put(rows: ReadonlyArray<{ sha256: string; view: string; vector: Float32Array }>, extractor: string): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO features (sha256, extractor, view, vector) VALUES (?, ?, ?, ?)');
    writeTransaction(this.db, () => {
      for (const row of rows) insert.run(row.sha256, extractor, row.view, Buffer.from(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength));
    });
  }

  /** One vector per (hash, view), in the order asked; throws if one is missing. */
  get(sha256: string, extractor: string, view: string): Float32Array {
    const row = this.db.prepare('SELECT vector FROM features WHERE sha256 = ? AND extractor = ? AND view = ?').get(sha256, extractor, view) as { vector: Buffer } | undefined;
    if (!row) throw new Error(`No ${view} features of ${sha256} for ${extractor}.`);
    // Copy: the blob's buffer may not be 4-byte aligned.
    return new Float32Array(new Uint8Array(row.vector).buffer);
  }

  /** A [count × dim] matrix of the given (hash, view) pairs. */
  matrix(keys: ReadonlyArray<{ sha256: string; view: string }>, extractor: string, dim: number): Float32Array {
    const out = new Float32Array(keys.length * dim);
    keys.forEach((key, row) => out.set(this.get(key.sha256, extractor, key.view), row * dim));
    return out;
  }
}
