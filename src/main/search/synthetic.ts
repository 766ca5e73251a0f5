// Clustered synthetic unit vectors (the shape real embeddings take: tight groups around class or
// patient centres) and recall@k, for the index tests and the nearest-case bench.
import { createRandom } from '../util/random';
import type { Neighbour } from './neighbours';

/** n unit vectors of dim, around `clusters` random centres with per-dimension noise `spread`. */
export function clusteredUnitVectors(n: number, dim: number, clusters: number, spread: number, seed: number): Float32Array {
  const random = createRandom(seed);
  const centres = Float32Array.from({ length: clusters * dim }, () => random.normal(0, 1) / Math.sqrt(dim));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = random.int(0, clusters - 1);
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = centres[c * dim + d]! + (random.normal(0, spread) / Math.sqrt(dim));
      out[i * dim + d] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < dim; d++) out[i * dim + d]! /= norm;
  }
  return out;
}

/** Mean share of the exact top-k that the approximate search also returned. */
export function recallAt(queries: readonly Float32Array[], approximate: (q: Float32Array) => Neighbour[], exact: (q: Float32Array) => Neighbour[]): number {
  let sum = 0;
  for (const query of queries) {
    const truth = exact(query);
    const found = new Set(approximate(query).map((n) => n.id));
    sum += truth.length === 0 ? 1 : truth.filter((n) => found.has(n.id)).length / truth.length;
  }
  return sum / queries.length;
}
