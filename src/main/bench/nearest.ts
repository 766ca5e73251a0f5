// Nearest cases: top-10 over 100,000 × 512-d clustered unit vectors with the usearch HNSW index,
// against the exact scan measured in the same run (latency baseline and recall ground truth).
import { AnnIndex } from '../search/ann-index';
import { ExactIndex } from '../search/exact-index';
import { clusteredUnitVectors, recallAt } from '../search/synthetic';
import { createRandom } from '../util/random';
import { percentile, printFigure, sampleMs, timed } from './measure';

const VECTORS = 100_000;
const DIM = 512;
const CLUSTERS = 250;
const QUERIES = 200;
const K = 10;

export async function benchNearest(): Promise<void> {
  process.stdout.write(`\nNearest cases: ${VECTORS.toLocaleString('en-US')} × ${DIM}-d clustered unit vectors (${CLUSTERS} clusters), top-${K}\n`);
  const vectors = clusteredUnitVectors(VECTORS, DIM, CLUSTERS, 1, 7);
  const ids = Array.from({ length: VECTORS }, (_, i) => i + 1);
  // Queries come from the data's own distribution: stored vectors with a little noise.
  const random = createRandom(11);
  const queries = Array.from({ length: QUERIES }, () => {
    const row = random.int(0, VECTORS - 1);
    const q = Float32Array.from(vectors.subarray(row * DIM, (row + 1) * DIM), (v) => v + random.normal(0, 0.2) / Math.sqrt(DIM));
    const norm = Math.hypot(...q);
    return q.map((v) => v / norm);
  });

  const exact = new ExactIndex(DIM);
  exact.add(ids, vectors);
  const ann = new AnnIndex(DIM);
  const build = await timed(() => ann.add(ids, vectors));

  const exactMs = sampleMs(QUERIES, (i) => exact.search(queries[i]!, K));
  const annMs = sampleMs(QUERIES, (i) => ann.search(queries[i]!, K));
  const recall = recallAt(queries, (q) => ann.search(q, K), (q) => exact.search(q, K));

  printFigure({ name: 'HNSW index build (usearch, connectivity 16)', value: build.seconds, unit: 's', goal: '< 60 s', met: build.seconds < 60 });
  const p95 = percentile(annMs, 95);
  printFigure({ name: `top-${K} search p95 (HNSW)`, value: p95, unit: 'ms', baseline: { name: 'exact scan p95', value: percentile(exactMs, 95) }, goal: '< 10 ms', met: p95 < 10 });
  printFigure({ name: `recall@${K} against the exact scan (${QUERIES} queries)`, value: recall, unit: '', goal: '≥ 0.95', met: recall >= 0.95 });
}
