import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/main/util/random';
import { AnnIndex } from '../../src/main/search/ann-index';
import { ExactIndex } from '../../src/main/search/exact-index';
import { clusteredUnitVectors, recallAt } from '../../src/main/search/synthetic';
import { createIndex, indexFileName, loadIndex, ANN_THRESHOLD } from '../../src/main/search/nearest-index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-search-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function bruteForce(data: Float32Array, dim: number, query: Float32Array, k: number, skip: (id: number) => boolean = () => false) {
  const scored: Array<{ id: number; similarity: number }> = [];
  for (let r = 0; r < data.length / dim; r++) {
    if (skip(r + 1)) continue;
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[r * dim + d]! * query[d]!;
    scored.push({ id: r + 1, similarity: s });
  }
  return scored.sort((a, b) => b.similarity - a.similarity).slice(0, k);
}

describe('exact index', () => {
  const dim = 32;
  const data = clusteredUnitVectors(500, dim, 10, 0.5, 3);
  const ids = Array.from({ length: 500 }, (_, i) => i + 1);

  it('returns the same neighbours and similarities as a brute-force sort', () => {
    const index = new ExactIndex(dim);
    index.add(ids.slice(0, 200), data.subarray(0, 200 * dim));
    index.add(ids.slice(200), data.subarray(200 * dim)); // incremental adds
    expect(index.size).toBe(500);
    const random = createRandom(9);
    for (let q = 0; q < 20; q++) {
      const query = data.subarray(random.int(0, 499) * dim).slice(0, dim);
      const skip = (id: number) => id % 7 === 0;
      const got = index.search(query, 10, skip);
      const want = bruteForce(data, dim, query, 10, skip);
      expect(got.map((n) => n.id)).toEqual(want.map((n) => n.id));
      got.forEach((n, i) => expect(n.similarity).toBeCloseTo(want[i]!.similarity, 5));
    }
  });

  it('replaces a vector added again under the same id', () => {
    const index = new ExactIndex(2);
    index.add([1, 2], new Float32Array([1, 0, 0, 1]));
    index.add([1], new Float32Array([0, 1]));
    expect(index.size).toBe(2);
    expect(index.search(new Float32Array([0, 1]), 2).map((n) => Math.round(n.similarity))).toEqual([1, 1]);
  });
});

describe('HNSW index', () => {
  it('finds at least 95% of the exact top 10 on clustered vectors, with filters', () => {
    const dim = 64;
    const n = 5000;
    const data = clusteredUnitVectors(n, dim, 50, 0.35, 4);
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const exact = new ExactIndex(dim);
    const ann = new AnnIndex(dim);
    exact.add(ids, data);
    ann.add(ids.slice(0, 2500), data.subarray(0, 2500 * dim));
    ann.add(ids.slice(2500), data.subarray(2500 * dim));
    expect(ann.size).toBe(n);
    const queries = Array.from({ length: 100 }, (_, q) => data.slice(q * 37 * dim, (q * 37 + 1) * dim));
    const skip = (id: number) => id % 5 === 0;
    const recall = recallAt(queries, (query) => ann.search(query, 10, skip), (query) => exact.search(query, 10, skip));
    expect(recall).toBeGreaterThanOrEqual(0.95);
    for (const n of ann.search(queries[0]!, 10, skip)) expect(skip(n.id)).toBe(false);
  });
});

describe('index persistence', () => {
  it.each(['exact', 'hnsw'] as const)('saves and loads a %s index with the same answers', (kind) => {
    const dim = 16;
    const data = clusteredUnitVectors(300, dim, 5, 0.5, 7);
    const ids = Array.from({ length: 300 }, (_, i) => 1000 + i);
    const index = kind === 'exact' ? new ExactIndex(dim) : new AnnIndex(dim);
    index.add(ids, data);
    const file = indexFileName(path.join(dir, `model-${kind}`), index);
    index.save(file);
    const loaded = loadIndex(file);
    expect(loaded.kind).toBe(kind);
    expect(loaded.dim).toBe(dim);
    expect(loaded.size).toBe(300);
    expect(loaded.has(1000)).toBe(true);
    const query = data.slice(0, dim);
    expect(loaded.search(query, 5).map((n) => n.id)).toEqual(index.search(query, 5).map((n) => n.id));
    loaded.add([5000], data.slice(dim, 2 * dim)); // still takes adds after loading
    expect(loaded.size).toBe(301);
  });

  it('chooses the exact scan for small projects and HNSW above the threshold', () => {
    expect(createIndex(8, 100).kind).toBe('exact');
    expect(createIndex(8, ANN_THRESHOLD + 1).kind).toBe('hnsw');
  });
});
