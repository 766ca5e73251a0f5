// What every nearest-neighbour index answers: the exact scan and the HNSW graph alike.
export interface Neighbour {
  id: number;
  /** Cosine similarity in [-1, 1]. */
  similarity: number;
}

export interface NearestIndex {
  readonly kind: 'exact' | 'hnsw';
  readonly dim: number;
  readonly size: number;
  /** Adds vectors (unit length, dim each, row-major) under the given ids; an id already present is replaced. */
  add(ids: readonly number[], vectors: Float32Array): void;
  has(id: number): boolean;
  /** The k most similar vectors, best first, skipping those `skip` rejects. */
  search(query: Float32Array, k: number, skip?: (id: number) => boolean): Neighbour[];
  save(file: string): void;
}
