// Approximate cosine search over an HNSW graph (usearch: prebuilt N-API binaries, so Node and Electron
// load the same file). Filters are applied after the search, so it asks for more neighbours than
// wanted and widens the request until enough pass.
// Only the main process loads this module: importing usearch inside a worker thread hangs the import,
// so the engine worker's modules (held-out accuracy) use the exact index alone.
import fs from 'node:fs';
import usearch, { type Index } from 'usearch';
import type { NearestIndex, Neighbour } from './neighbours';

const CONNECTIVITY = 16;
const EXPANSION_ADD = 128;
const EXPANSION_SEARCH = 96;

function newIndex(dim: number): Index {
  return new usearch.Index({
    dimensions: dim,
    metric: usearch.MetricKind.Cos,
    quantization: usearch.ScalarKind.F32,
    connectivity: CONNECTIVITY,
    expansion_add: EXPANSION_ADD,
    expansion_search: EXPANSION_SEARCH,
    multi: false,
  });
}

export class AnnIndex implements NearestIndex {
  static readonly extension = '.usearch';
  readonly kind = 'hnsw' as const;
  private readonly index: Index;

  constructor(readonly dim: number, index?: Index) {
    this.index = index ?? newIndex(dim);
  }

  get size(): number {
    return this.index.size();
  }

  has(id: number): boolean {
    return this.index.contains(BigInt(id)) as boolean;
  }

  add(ids: readonly number[], vectors: Float32Array): void {
    if (ids.length === 0) return;
    const keys = BigUint64Array.from(ids, (id) => BigInt(id));
    const present = keys.filter((key) => this.index.contains(key) as boolean);
    if (present.length > 0) this.index.remove(present);
    this.index.add(keys, vectors);
  }

  search(query: Float32Array, k: number, skip?: (id: number) => boolean): Neighbour[] {
    const size = this.size;
    for (let ask = Math.min(size, skip ? k * 4 + 16 : k); ; ask = Math.min(size, ask * 4)) {
      const matches = this.index.search(query, ask, 0);
      const found: Neighbour[] = [];
      for (let i = 0; i < matches.keys.length && found.length < k; i++) {
        const id = Number(matches.keys[i]!);
        if (!skip?.(id)) found.push({ id, similarity: 1 - matches.distances[i]! });
      }
      if (found.length >= k || ask >= size) return found;
    }
  }

  save(file: string): void {
    const partial = `${file}.partial`;
    this.index.save(partial);
    fs.renameSync(partial, file);
  }

  static load(file: string): AnnIndex {
    // The dimensions come from the file; the constructor's are replaced on load.
    const index = newIndex(1);
    index.load(file);
    return new AnnIndex(index.dimensions(), index);
  }
}
