import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/main/util/random';
import { initBackend, tf } from '../../src/main/ml/engine/backend';
import { classWeights, standardisationOf, standardise, trainingRows, validationRows } from '../../src/main/ml/training/head-data';
import { decodeOutput, lossPerSample, ordinalProbabilities, targetFor } from '../../src/main/ml/training/heads';
import { learningRateAt, learningRateSweep, suggestLearningRate } from '../../src/main/ml/training/schedules';
import { applyView, trainingViews, type ImageView } from '../../src/main/ml/features/views';

beforeAll(async () => {
  await initBackend();
});

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

describe('head targets', () => {
  it('gives ordinal heads cumulative targets P(grade ≥ k)', () => {
    expect(targetFor('ordinal', 2, 5)).toEqual([1, 1, 1, 0, 0]);
    expect(targetFor('ordinal', 0, 5)).toEqual([1, 0, 0, 0, 0]);
    expect(targetFor('ordinal', 4, 5)).toEqual([1, 1, 1, 1, 1]);
  });

  it('gives softmax heads a one-hot, regression heads the grade, multilabel heads a mask', () => {
    expect(targetFor('softmax', 2, 5)).toEqual([0, 0, 1, 0, 0]);
    expect(targetFor('regression', 3, 5)).toEqual([3]);
    expect(targetFor('multilabel', [0, 2], 4)).toEqual([1, 0, 1, 0]);
    expect(targetFor('multilabel', [], 3)).toEqual([0, 0, 0]);
  });
});

describe('ordinal probabilities', () => {
  it('turns cumulative outputs into class probabilities that sum to 1', () => {
    const probabilities = ordinalProbabilities([1, 0.9, 0.6, 0.2, 0.05]);
    [0.1, 0.3, 0.4, 0.15, 0.05].forEach((p, k) => expect(probabilities[k]).toBeCloseTo(p, 10));
    expect(sum(probabilities)).toBeCloseTo(1, 10);
  });

  it('repairs a cumulative sequence that rises, and forces P(grade ≥ 0) = 1', () => {
    // P(≥2) = 0.6 > P(≥1) = 0.3 is impossible: it is capped at 0.3, so P(=1) = 0 and P(=2) = 0.2.
    const repaired = ordinalProbabilities([1, 0.3, 0.6, 0.1, 0]);
    [0.7, 0, 0.2, 0.1, 0].forEach((p, k) => expect(repaired[k]).toBeCloseTo(p, 10));
    expect(repaired.every((p) => p >= 0)).toBe(true);
    expect(sum(repaired)).toBeCloseTo(1, 10);

    const firstIgnored = ordinalProbabilities([0.2, 0.5, 0]);
    [0.5, 0.5, 0].forEach((p, k) => expect(firstIgnored[k]).toBeCloseTo(p, 10));
  });
});

describe('decoding head outputs', () => {
  it('decodes an ordinal DR head: argmax, Σ k·p, P(grade ≥ 2)', () => {
    const decoded = decodeOutput('ordinal', [1, 0.9, 0.6, 0.2, 0.05], null, true);
    expect(decoded.predicted).toBe(2);
    expect(decoded.expected).toBeCloseTo(0.3 + 2 * 0.4 + 3 * 0.15 + 4 * 0.05, 10);
    expect(decoded.referable).toBeCloseTo(0.6, 10);
    expect(decoded.probabilities).toHaveLength(5);
    expect(decoded.entropy).toBeGreaterThan(0);
    expect(decoded.margin).toBeCloseTo(0.1, 10);
  });

  it('decodes a softmax head, normalising its output', () => {
    const decoded = decodeOutput('softmax', [0.1, 0.5, 0.2, 0.1, 0.1], null, true);
    expect(decoded.predicted).toBe(1);
    expect(decoded.expected).toBeCloseTo(0.5 + 0.4 + 0.3 + 0.4, 10);
    expect(decoded.referable).toBeCloseTo(0.4, 10);

    const unnormalised = decodeOutput('softmax', [2, 2, 4], null, false);
    expect(unnormalised.probabilities).toEqual([0.25, 0.25, 0.5]);
    expect(unnormalised.predicted).toBe(2);
    expect(unnormalised.expected).toBeCloseTo(1.25, 10);
  });

  it('gives P(referable) only for DR grading', () => {
    expect(decodeOutput('ordinal', [1, 0.9, 0.6, 0.2, 0.05], null, false).referable).toBeNull();
    expect(decodeOutput('softmax', [0.1, 0.5, 0.4], null, false).referable).toBeNull();
  });

  it('decodes a regression head with its cut points, without probabilities', () => {
    const decoded = decodeOutput('regression', [2.3], [0.5, 1.5, 2.5, 3.5], true);
    expect(decoded.predicted).toBe(2);
    expect(decoded.expected).toBeCloseTo(2.3, 10);
    expect(decoded).toMatchObject({ probabilities: null, referable: null, entropy: null, margin: null });
    expect(decodeOutput('regression', [2.3], [0.5, 1.5, 2.2, 3.5], true).predicted).toBe(3);
    expect(decodeOutput('regression', [-0.7], [0.5, 1.5, 2.5, 3.5], true).predicted).toBe(0);
    expect(decodeOutput('regression', [9], [0.5, 1.5, 2.5, 3.5], true).predicted).toBe(4);
  });

  it('decodes a multilabel head with a threshold per label', () => {
    const output = [0.6, 0.3, 0.45, 0.9];
    expect(decodeOutput('multilabel', output, null, false).predicted).toEqual([0, 3]);
    const decoded = decodeOutput('multilabel', output, [0.7, 0.2, 0.4, 0.95], false);
    expect(decoded.predicted).toEqual([1, 2]);
    expect(decoded.probabilities).toEqual(output);
    expect(decoded.expected).toBeNull();
    expect(decoded.referable).toBeNull();
  });
});

describe('per-sample losses', () => {
  const loss = (kind: Parameters<typeof lossPerSample>[0], targets: number[][], outputs: number[][], gamma = 0) => {
    const t = tf.tensor2d(targets);
    const o = tf.tensor2d(outputs);
    const values = lossPerSample(kind, t, o, gamma);
    const result = Array.from(values.dataSync());
    tf.dispose([t, o, values]);
    return result;
  };
  const bce = (target: number, p: number) => -(target * Math.log(p) + (1 - target) * Math.log(1 - p));

  it('is the mean binary cross-entropy over the cumulative units for ordinal heads', () => {
    const [value] = loss('ordinal', [[1, 1, 0]], [[0.9, 0.6, 0.2]]);
    expect(value).toBeCloseTo((-Math.log(0.9) - Math.log(0.6) - Math.log(0.8)) / 3, 5);
  });

  it('is the categorical cross-entropy for softmax heads and the squared error for regression', () => {
    expect(loss('softmax', [[0, 1, 0], [1, 0, 0]], [[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])).toEqual([
      expect.closeTo(-Math.log(0.7), 5),
      expect.closeTo(-Math.log(0.5), 5),
    ]);
    expect(loss('regression', [[2], [0]], [[1.5], [3]])).toEqual([expect.closeTo(0.25, 6), expect.closeTo(9, 5)]);
  });

  it('is plain binary cross-entropy for multilabel heads with focal gamma 0', () => {
    const targets = [[1, 0, 1], [0, 0, 1]];
    const outputs = [[0.8, 0.3, 0.4], [0.1, 0.6, 0.95]];
    const expected = targets.map((row, i) => sum(row.map((t, k) => bce(t, outputs[i]![k]!))) / row.length);
    loss('multilabel', targets, outputs, 0).forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
  });

  it('down-weights confidently correct labels with focal gamma 2', () => {
    const targets = [[1, 0]];
    const confident = [[0.95, 0.05]];
    const [plain] = loss('multilabel', targets, confident, 0);
    const [focal] = loss('multilabel', targets, confident, 2);
    // Each label is weighted by (1 − p_correct)² = 0.05².
    expect(focal).toBeCloseTo(0.05 ** 2 * plain!, 7);
    expect(focal!).toBeLessThan(plain! / 100);

    // A confidently wrong label keeps most of its loss.
    const [plainWrong] = loss('multilabel', targets, [[0.05, 0.95]], 0);
    const [focalWrong] = loss('multilabel', targets, [[0.05, 0.95]], 2);
    expect(focalWrong).toBeCloseTo(0.95 ** 2 * plainWrong!, 5);
  });
});

describe('learning-rate schedules', () => {
  const peak = 0.01;
  const total = 101;
  const oneCycle = Array.from({ length: total }, (_, step) => learningRateAt('one-cycle', peak, step, total));

  it('runs one-cycle from peak/25 up to the peak at 30% and down to peak/10⁴', () => {
    expect(oneCycle[0]).toBeCloseTo(peak / 25, 12);
    expect(oneCycle[30]).toBeCloseTo(peak, 12);
    expect(Math.max(...oneCycle)).toBeCloseTo(peak, 12);
    expect(oneCycle[total - 1]).toBeCloseTo(peak / 1e4, 12);
    for (let step = 1; step <= 30; step++) expect(oneCycle[step]!).toBeGreaterThan(oneCycle[step - 1]!);
    for (let step = 31; step < total; step++) expect(oneCycle[step]!).toBeLessThan(oneCycle[step - 1]!);
  });

  it('divides the step schedule by 10 after each third, and keeps constant constant', () => {
    const steps = 99;
    const at = (step: number) => learningRateAt('step', peak, step, steps);
    expect(at(0)).toBeCloseTo(peak, 12);
    expect(at(30)).toBeCloseTo(peak, 12);
    expect(at(40)).toBeCloseTo(peak / 10, 12);
    expect(at(64)).toBeCloseTo(peak / 10, 12);
    expect(at(70)).toBeCloseTo(peak / 100, 12);
    expect(at(98)).toBeCloseTo(peak / 100, 12);
    expect(learningRateAt('constant', peak, 50, steps)).toBe(peak);
  });

  it('sweeps rates geometrically for the finder', () => {
    const sweep = learningRateSweep(1e-5, 1, 51);
    expect(sweep[0]).toBeCloseTo(1e-5, 15);
    expect(sweep[50]).toBeCloseTo(1, 10);
    expect(sweep[30]).toBeCloseTo(1e-2, 10);
  });

  it('suggests a tenth of the rate at the loss minimum of a U-shaped curve', () => {
    const points = learningRateSweep(1e-5, 1, 51).map((learningRate) => ({ learningRate, loss: 1 + (Math.log10(learningRate) + 2) ** 2 }));
    expect(suggestLearningRate(points)).toBeCloseTo(1e-3, 10);
  });

  it('suggests nothing when the loss never falls', () => {
    const rates = learningRateSweep(1e-5, 1, 51);
    expect(suggestLearningRate(rates.map((learningRate) => ({ learningRate, loss: 0.7 })))).toBeNull();
    expect(suggestLearningRate(rates.map((learningRate, i) => ({ learningRate, loss: 0.7 + i * 0.01 })))).toBeNull();
    expect(suggestLearningRate(rates.slice(0, 4).map((learningRate, i) => ({ learningRate, loss: 1 - i * 0.1 })))).toBeNull();
  });
});

describe('class weights', () => {
  it('weights by inverse frequency over the classes present', () => {
    // 4 images, 2 classes present: weight = 4 / (2 · count).
    const weights = classWeights([0, 0, 0, 1], 3, 'inverse-frequency');
    expect(weights[0]).toBeCloseTo(4 / 6, 12);
    expect(weights[1]).toBeCloseTo(2, 12);
    expect(weights[2]).toBe(1);
  });

  it('caps inverse-frequency weights at 10 and counts multilabel images by their first label', () => {
    expect(classWeights([...new Array<number>(99).fill(0), 1], 2, 'inverse-frequency')).toEqual([expect.closeTo(100 / 198, 12), 10]);
    expect(classWeights([[1, 0], [1], [0]], 2, 'inverse-frequency')).toEqual([expect.closeTo(1.5, 12), expect.closeTo(0.75, 12)]);
  });

  it('gives ones for none and the user’s weights when given', () => {
    expect(classWeights([0, 0, 1], 3, 'none')).toEqual([1, 1, 1]);
    expect(classWeights([0, 0, 1], 3, [0.5, 2, 3])).toEqual([0.5, 2, 3]);
  });
});

describe('training and validation rows', () => {
  const images = [
    { id: 1, sha256: 'a', label: 2 },
    { id: 2, sha256: 'b', label: 0 },
  ];

  it('repeats each image’s target, weight and class over its views', () => {
    const rows = trainingRows(new Float32Array(4 * 3), 3, images, 2, 'ordinal', 3, [0.5, 1, 4]);
    expect(rows.outputs).toBe(3);
    expect(Array.from(rows.targets)).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0]);
    expect(Array.from(rows.weights)).toEqual([4, 4, 0.5, 0.5]);
    expect(Array.from(rows.strata)).toEqual([2, 2, 0, 0]);
  });

  it('gives one target per image for validation', () => {
    const rows = validationRows(new Float32Array(4 * 3), images, 2, 'softmax', 3);
    expect(Array.from(rows.targets)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(Array.from(rows.weights)).toEqual([1, 1]);
    expect(rows.views).toBe(2);
  });
});

describe('standardisation', () => {
  it('computes the mean and population std of each column', () => {
    const { mean, std } = standardisationOf(Float32Array.from([1, 10, 3, 30]), 2);
    expect(mean).toEqual([2, 20]);
    expect(std[0]).toBeCloseTo(1 + 1e-3, 6);
    expect(std[1]).toBeCloseTo(10 + 1e-3, 6);
  });

  it('gives every column mean 0 and std about 1', () => {
    const random = createRandom(7);
    const dim = 4;
    const rows = 200;
    const scales = [1, 5, 50, 0.5];
    const offsets = [0, -3, 100, 7];
    const x = Float32Array.from({ length: rows * dim }, (_, i) => offsets[i % dim]! + scales[i % dim]! * random.normal(0, 1));
    const standardised = standardise(x, standardisationOf(x, dim));
    for (let d = 0; d < dim; d++) {
      const column = Array.from({ length: rows }, (_, r) => standardised[r * dim + d]!);
      const m = sum(column) / rows;
      const s = Math.sqrt(sum(column.map((v) => (v - m) ** 2)) / rows);
      expect(Math.abs(m)).toBeLessThan(1e-4);
      expect(s).toBeGreaterThan(0.99);
      expect(s).toBeLessThan(1.0001);
    }
  });
});

describe('augmentation views', () => {
  // 1 2 3
  // 4 5 6
  // 7 8 9
  const grid = () => tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const view = (name: ImageView) => {
    const input = grid();
    const output = applyView(input, name);
    const result = (output.arraySync() as number[][][][])[0]!.map((row) => row.map((pixel) => pixel[0]!));
    expect(output.shape).toEqual([1, 3, 3, 1]);
    tf.dispose([input, output]);
    return result;
  };

  it('flips horizontally and vertically', () => {
    expect(view('original')).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(view('flip-h')).toEqual([[3, 2, 1], [6, 5, 4], [9, 8, 7]]);
    expect(view('flip-v')).toEqual([[7, 8, 9], [4, 5, 6], [1, 2, 3]]);
  });

  it('rotates clockwise by 90, 180 and 270 degrees', () => {
    expect(view('rot-90')).toEqual([[7, 4, 1], [8, 5, 2], [9, 6, 3]]);
    expect(view('rot-180')).toEqual([[9, 8, 7], [6, 5, 4], [3, 2, 1]]);
    expect(view('rot-270')).toEqual([[3, 6, 9], [2, 5, 8], [1, 4, 7]]);
  });

  it('keeps the channels of a pixel together and the images of a batch apart', () => {
    // Two 2×2 images with two channels; pixel value = image·100 + position·10 + channel.
    const values = Array.from({ length: 2 * 2 * 2 * 2 }, (_, i) => Math.floor(i / 8) * 100 + (Math.floor(i / 2) % 4) * 10 + (i % 2));
    const input = tf.tensor4d(values, [2, 2, 2, 2]);
    const rotated = applyView(input, 'rot-90');
    expect(rotated.arraySync()).toEqual([
      [[[20, 21], [0, 1]], [[30, 31], [10, 11]]],
      [[[120, 121], [100, 101]], [[130, 131], [110, 111]]],
    ]);
    tf.dispose([input, rotated]);
  });

  it('lists the original first and each augmentation once', () => {
    expect(trainingViews(['flip-h', 'rot-90', 'flip-h'])).toEqual(['original', 'flip-h', 'rot-90']);
    expect(trainingViews([])).toEqual(['original']);
  });
});
