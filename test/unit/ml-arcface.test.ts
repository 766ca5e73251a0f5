import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/main/util/random';
import { arcFaceLogits, arcFaceLoss, averageViews, embedRows, groupIndices, labelGroups, trainArcFace, DEFAULT_ARCFACE } from '../../src/main/ml/embeddings/arcface';
import { initBackend, tf } from '../../src/main/ml/engine/backend';

beforeAll(async () => {
  await initBackend();
});

// Embedding (0.6, 0.8) against centres (1, 0) and (0, 1): cos θ = 0.6 to the target, 0.8 to the other.
const embedding = () => tf.tensor2d([[0.6, 0.8]]);
const centres = () => tf.tensor2d([[1, 0], [0, 1]]); // columns are centres
const target = () => tf.tensor2d([[1, 0]]);

describe('ArcFace loss', () => {
  it('adds the angular margin to the target angle only', () => {
    const logits = arcFaceLogits(embedding(), centres(), target(), { margin: 0.5, scale: 2 }).arraySync()[0]!;
    // cos(θ + m) = 0.6·cos 0.5 − 0.8·sin 0.5
    const withMargin = 0.6 * Math.cos(0.5) - 0.8 * Math.sin(0.5);
    expect(logits[0]).toBeCloseTo(2 * withMargin, 5);
    expect(logits[1]).toBeCloseTo(2 * 0.8, 5);
    expect(logits[0]).toBeLessThan(2 * 0.6); // the margin makes the target logit smaller
  });

  it('matches a hand-checked cross-entropy, and the margin raises it', () => {
    const loss = arcFaceLoss(embedding(), centres(), target(), { margin: 0.5, scale: 2 }).dataSync()[0]!;
    expect(loss).toBeCloseTo(1.55206, 4); // log(1 + e^(1.6 − 0.286018))
    const noMargin = arcFaceLoss(embedding(), centres(), target(), { margin: 0, scale: 2 }).dataSync()[0]!;
    expect(noMargin).toBeCloseTo(Math.log(1 + Math.exp(0.4)), 4);
    expect(loss).toBeGreaterThan(noMargin);
  });

  it('is invariant to the length of embeddings and centres', () => {
    const scaled = arcFaceLoss(tf.tensor2d([[6, 8]]), tf.tensor2d([[3, 0], [0, 0.5]]), target(), { margin: 0.5, scale: 2 }).dataSync()[0]!;
    expect(scaled).toBeCloseTo(1.55206, 4);
  });

  it('falls back to a linear penalty past θ = π − m so the target logit keeps falling', () => {
    const m = 0.5;
    const nearOpposite = (angle: number) => arcFaceLogits(tf.tensor2d([[Math.cos(angle), Math.sin(angle)]]), centres(), target(), { margin: m, scale: 1 }).arraySync()[0]![0]!;
    const a = nearOpposite(Math.PI - m - 0.2);
    const b = nearOpposite(Math.PI - m + 0.1);
    const c = nearOpposite(Math.PI - 0.05);
    expect(b).toBeLessThan(a);
    expect(c).toBeLessThan(b);
    expect(b).toBeCloseTo(Math.cos(Math.PI - m + 0.1) - Math.sin(m) * m, 5);
  });
});

describe('ArcFace groups', () => {
  it('groups single-label images by class and multilabel images by their rarest label', () => {
    expect([...labelGroups([0, 2, 1], 3)]).toEqual([0, 2, 1]);
    // label 0 appears 3 times, 1 twice, 2 once
    expect([...labelGroups([[0, 1], [0, 2], [0], [1], []], 3)]).toEqual([1, 2, 0, 1, -1]);
  });

  it('indexes group ids densely', () => {
    const { indices, names } = groupIndices(['p7', 'p3', 'p7']);
    expect([...indices]).toEqual([0, 1, 0]);
    expect(names).toEqual(['p7', 'p3']);
  });
});

describe('ArcFace training', () => {
  it('learns normalised embeddings in which each class sits closest to its own images', async () => {
    const random = createRandom(5);
    const dim = 16;
    const classes = 3;
    const means = Array.from({ length: classes }, () => Array.from({ length: dim }, () => random.normal(0, 1)));
    const rows = 90;
    const x = new Float32Array(rows * dim);
    const groups = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      groups[r] = r % classes;
      for (let d = 0; d < dim; d++) x[r * dim + d] = means[r % classes]![d]! + random.normal(0, 1.2);
    }
    const trained = await trainArcFace({ x, inputDim: dim, groups, groupCount: classes, options: { ...DEFAULT_ARCFACE, embeddingDim: 8, epochs: 25, learningRate: 0.01 } });
    expect(trained.losses.at(-1)!).toBeLessThan(trained.losses[0]! * 0.5);
    const e = await embedRows(trained.weights, x);
    for (let r = 0; r < 3; r++) expect(Math.hypot(...e.subarray(r * 8, (r + 1) * 8))).toBeCloseTo(1, 4);
    // Leave-one-out nearest neighbour shares its class far more often than chance (1/3).
    let hits = 0;
    for (let r = 0; r < rows; r++) {
      let best = -1;
      let bestSim = -Infinity;
      for (let o = 0; o < rows; o++) {
        if (o === r) continue;
        let s = 0;
        for (let d = 0; d < 8; d++) s += e[r * 8 + d]! * e[o * 8 + d]!;
        if (s > bestSim) [best, bestSim] = [o, s];
      }
      if (groups[best] === groups[r]) hits++;
    }
    expect(hits / rows).toBeGreaterThan(0.8);
  });

  it('averages views into one unit vector per image', () => {
    const out = averageViews(new Float32Array([1, 0, 0, 1, 0, 1, 0, 1]), 2, 2);
    expect(out[0]).toBeCloseTo(Math.SQRT1_2, 5);
    expect(out[1]).toBeCloseTo(Math.SQRT1_2, 5);
    expect([out[2], out[3]]).toEqual([0, 1]);
  });
});
