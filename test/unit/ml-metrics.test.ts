import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/main/util/random';
import {
  accuracy,
  applyThresholds,
  balancedAccuracy,
  calibration,
  confusionMatrix,
  entropy,
  f1Score,
  macroF1,
  margin,
  optimiseLabelThresholds,
  optimiseRegressionThresholds,
  perClassRates,
  quadraticWeightedKappa,
  ratesAtThreshold,
  rocCurve,
} from '../../src/main/ml/evaluate/metrics';

describe('confusion matrix', () => {
  it('puts truth in rows and predictions in columns', () => {
    // sklearn confusion_matrix docstring example.
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], 3)).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
  });

  it('keeps rows and columns for classes that never occur', () => {
    expect(confusionMatrix([0, 0], [0, 0], 3)).toEqual([
      [2, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(confusionMatrix([], [], 2)).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('rejects mismatched lengths and labels out of range with a specific sentence', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow('truth and predicted must have the same length (got 2 and 1).');
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow('truth[1] = 3 is not a class index from 0 to 2.');
    expect(() => confusionMatrix([0, 1], [0, 1.5], 3)).toThrow('predicted[1] = 1.5 is not a class index from 0 to 2.');
    expect(() => confusionMatrix([0], [-1], 3)).toThrow('predicted[0] = -1');
    expect(() => confusionMatrix([0], [0], 0)).toThrow('classCount must be a positive integer (got 0).');
  });
});

describe('quadratic weighted kappa', () => {
  it('is 1 for perfect agreement and -1 for a fully reversed grading', () => {
    expect(quadraticWeightedKappa([0, 1, 2, 3, 4, 2], [0, 1, 2, 3, 4, 2], 5)).toBe(1);
    // By hand: anti-diagonal confusion, observed weight 4+0+4 = 8, expected 12/3 = 4, kappa = 1 - 8/4.
    expect(quadraticWeightedKappa([0, 1, 2], [2, 1, 0], 3)).toBeCloseTo(-1, 12);
  });

  it('matches hand-computed values', () => {
    // truth [0,1,2], predicted [0,2,2]: observed weighted disagreement 1, expected 15/3 = 5, kappa = 1 - 1/5.
    expect(quadraticWeightedKappa([0, 1, 2], [0, 2, 2], 3)).toBeCloseTo(0.8, 12);
    // The sklearn cohen_kappa_score docstring raters, mapped negative=0, neutral=1, positive=2 (sorted labels):
    // one positive->negative disagreement, observed 4, expected 40/5 = 8, so quadratic kappa = 0.5.
    expect(quadraticWeightedKappa([0, 2, 0, 1, 2], [0, 2, 0, 1, 0], 3)).toBeCloseTo(0.5, 12);
  });

  it('penalises a far miss more than a near miss', () => {
    const truth = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4];
    const near = [...truth.slice(0, 9), 3];
    const far = [...truth.slice(0, 9), 0];
    expect(quadraticWeightedKappa(truth, near, 5)).toBeGreaterThan(quadraticWeightedKappa(truth, far, 5));
  });

  it('is 0 when undefined (everything in one class on both sides) and refuses empty input', () => {
    expect(quadraticWeightedKappa([2, 2, 2], [2, 2, 2], 5)).toBe(0);
    expect(() => quadraticWeightedKappa([], [], 5)).toThrow('Cannot compute quadratic weighted kappa without samples.');
  });
});

describe('accuracy and balanced accuracy', () => {
  it('counts exact matches', () => {
    expect(accuracy([0, 1, 2, 3], [0, 2, 1, 3])).toBe(0.5);
    expect(() => accuracy([], [])).toThrow('Cannot compute accuracy without samples.');
  });

  it('averages recall over classes present in truth', () => {
    // sklearn balanced_accuracy_score docstring example: recalls 3/4 and 1/2.
    expect(balancedAccuracy([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1], 2)).toBe(0.625);
    // Class 2 is only predicted, never true: it is skipped, so (1/2 + 1) / 2.
    expect(balancedAccuracy([0, 0, 1, 1], [0, 2, 1, 1], 3)).toBe(0.75);
  });
});

describe('per-class rates', () => {
  it('derives one-vs-rest sensitivity, specificity and precision', () => {
    // By hand from the sklearn confusion example above (6 samples).
    const rates = perClassRates([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    expect(rates[0]).toEqual({ support: 2, sensitivity: 1, specificity: 3 / 4, precision: 2 / 3 });
    expect(rates[1]).toEqual({ support: 1, sensitivity: 0, specificity: 1, precision: null });
    expect(rates[2]).toEqual({ support: 3, sensitivity: 2 / 3, specificity: 2 / 3, precision: 2 / 3 });
  });

  it('gives null where a denominator is zero', () => {
    const [absent, everything] = perClassRates([
      [0, 0],
      [0, 4],
    ]);
    expect(absent).toEqual({ support: 0, sensitivity: null, specificity: 1, precision: null });
    expect(everything).toEqual({ support: 4, sensitivity: 1, specificity: null, precision: 1 });
  });

  it('rejects a matrix that is not square', () => {
    expect(() => perClassRates([[1, 2], [3]])).toThrow('The confusion matrix must be square.');
  });
});

describe('ROC curve', () => {
  it('matches the sklearn roc_curve / roc_auc_score docstring example', () => {
    // y = [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8]: fpr [0, 0, .5, .5, 1], tpr [0, .5, .5, 1, 1], AUC 0.75.
    const { points, auc } = rocCurve([0.1, 0.4, 0.35, 0.8], [false, false, true, true]);
    expect(auc).toBe(0.75);
    expect(points).toEqual([
      { threshold: Infinity, sensitivity: 0, specificity: 1 },
      { threshold: 0.8, sensitivity: 0.5, specificity: 1 },
      { threshold: 0.4, sensitivity: 0.5, specificity: 0.5 },
      { threshold: 0.35, sensitivity: 1, specificity: 0.5 },
      { threshold: 0.1, sensitivity: 1, specificity: 0 },
    ]);
  });

  it('treats tied scores as one step and counts ties as half', () => {
    // By hand (Mann-Whitney): pairs (0.5 vs 0.2) win, (0.5 vs 0.5) tie, (0.9 vs both) win -> 3.5 / 4.
    const tied = rocCurve([0.2, 0.5, 0.5, 0.9], [false, true, false, true]);
    expect(tied.auc).toBe(0.875);
    expect(tied.points.map((p) => p.threshold)).toEqual([Infinity, 0.9, 0.5, 0.2]);
    expect(tied.points[2]).toEqual({ threshold: 0.5, sensitivity: 1, specificity: 0.5 });

    const allTied = rocCurve([0.3, 0.3, 0.3, 0.3], [true, false, true, false]);
    expect(allTied.auc).toBe(0.5);
    expect(allTied.points).toHaveLength(2);
  });

  it('equals the Mann-Whitney statistic on random scores with many ties', () => {
    const random = createRandom(11);
    const scores = Array.from({ length: 300 }, () => Math.round(random.next() * 20) / 20);
    const positive = scores.map((s) => random.chance(0.2 + 0.6 * s));
    let wins = 0;
    let pairs = 0;
    scores.forEach((p, i) => {
      if (!positive[i]) return;
      scores.forEach((n, j) => {
        if (positive[j]) return;
        pairs++;
        wins += p > n ? 1 : p === n ? 0.5 : 0;
      });
    });
    const { auc, points } = rocCurve(scores, positive);
    expect(auc).toBeCloseTo(wins / pairs, 12);
    expect(points.length).toBe(new Set(scores).size + 1);
    expect(points.at(-1)).toMatchObject({ sensitivity: 1, specificity: 0 });
  });

  it('gives 1 for a perfect classifier, 0 for an inverted one, null for one class', () => {
    const positive = [false, false, true, true];
    expect(rocCurve([0.1, 0.2, 0.8, 0.9], positive).auc).toBe(1);
    expect(rocCurve([0.9, 0.8, 0.2, 0.1], positive).auc).toBe(0);
    expect(rocCurve([0.1, 0.9], [true, true])).toEqual({ points: [], auc: null });
    expect(rocCurve([], [])).toEqual({ points: [], auc: null });
  });

  it('rejects scores that are not finite', () => {
    expect(() => rocCurve([0.1, Number.NaN], [true, false])).toThrow('scores[1] = NaN is not a finite number.');
  });
});

describe('rates at a threshold', () => {
  it('calls a score at or above the threshold positive', () => {
    expect(ratesAtThreshold([0.1, 0.4, 0.35, 0.8], [false, false, true, true], 0.4)).toEqual({
      sensitivity: 0.5,
      specificity: 0.5,
      tp: 1,
      fp: 1,
      tn: 1,
      fn: 1,
    });
    expect(ratesAtThreshold([0.1, 0.4, 0.35, 0.8], [false, false, true, true], 0.35)).toMatchObject({ sensitivity: 1, tp: 2 });
  });

  it('gives null for a rate with no cases', () => {
    expect(ratesAtThreshold([0.2, 0.7], [false, false], 0.5)).toEqual({
      sensitivity: null,
      specificity: 0.5,
      tp: 0,
      fp: 1,
      tn: 1,
      fn: 0,
    });
  });
});

describe('calibration', () => {
  const repeat = <T>(value: T, times: number): T[] => new Array<T>(times).fill(value);

  it('has zero ECE when confidence matches accuracy in every bin', () => {
    // 80% confident and 8 of 10 right; 30% confident and 3 of 10 right.
    const confidences = [...repeat(0.8, 10), ...repeat(0.3, 10)];
    const correct = [...repeat(true, 8), ...repeat(false, 2), ...repeat(true, 3), ...repeat(false, 7)];
    const result = calibration(confidences, correct);
    expect(result.ece).toBeCloseTo(0, 12);
    expect(result.bins).toHaveLength(10);
    expect(result.bins[8]).toMatchObject({ lower: 0.8, upper: 0.9, count: 10, accuracy: 0.8 });
    expect(result.bins[8]!.meanConfidence).toBeCloseTo(0.8, 12);
    expect(result.bins[3]).toMatchObject({ count: 10, accuracy: 0.3 });
    expect(result.bins[0]).toEqual({ lower: 0, upper: 0.1, count: 0, meanConfidence: null, accuracy: null });
  });

  it('measures the gap of an overconfident model, weighted by bin size', () => {
    // 10 at 0.95 with 5 right (gap 0.45) and 10 at 0.55 with 5 right (gap 0.05): ECE = (0.45 + 0.05) / 2.
    const confidences = [...repeat(0.95, 10), ...repeat(0.55, 10)];
    const correct = [...repeat(true, 5), ...repeat(false, 5), ...repeat(true, 5), ...repeat(false, 5)];
    expect(calibration(confidences, correct).ece).toBeCloseTo(0.25, 12);
    expect(calibration(confidences.slice(0, 10), correct.slice(0, 10)).ece).toBeCloseTo(0.45, 12);
  });

  it('puts confidence 1 in the last bin and 0 in the first', () => {
    const { bins } = calibration([0, 1, 0.5], [false, true, true], 4);
    expect(bins.map((b) => b.count)).toEqual([1, 0, 1, 1]);
    expect(bins.map((b) => b.upper)).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it('rejects confidences outside [0, 1] and a bad bin count', () => {
    expect(() => calibration([1.2], [true])).toThrow('confidences[0] = 1.2 is not a probability between 0 and 1.');
    expect(() => calibration([0.5], [true], 0)).toThrow('The number of bins must be a positive integer (got 0).');
    expect(() => calibration([], [])).toThrow('Cannot compute calibration without samples.');
  });
});

describe('multilabel F1', () => {
  // Rows are samples, columns labels; same data as the sklearn f1_score multilabel docstring example.
  const truth = [
    [false, false, false],
    [true, true, true],
    [false, true, true],
  ];
  const predicted = [
    [false, false, false],
    [true, true, true],
    [true, true, false],
  ];

  it('scores one label', () => {
    expect(f1Score([false, true, false], [false, true, true])).toBeCloseTo(2 / 3, 12); // tp 1, fp 1, fn 0
    expect(f1Score([true, true], [false, false])).toBe(0);
    expect(f1Score([false, false], [false, false])).toBeNull();
  });

  it('averages labels, leaving out labels whose F1 is undefined', () => {
    // Per label by hand: 2/3, 1, 2/3.
    expect(macroF1(truth, predicted)).toBeCloseTo(7 / 9, 12);
    const withSilentLabel = (rows: boolean[][]) => rows.map((row) => [...row, false]);
    expect(macroF1(withSilentLabel(truth), withSilentLabel(predicted))).toBeCloseTo(7 / 9, 12);
    expect(macroF1([[false], [false]], [[false], [false]])).toBe(0);
  });

  it('rejects ragged tables', () => {
    expect(() => macroF1([[true, false], [true]], [[true, false], [true, false]])).toThrow(
      'Row 1 of truth or predicted does not have 2 labels like row 0.',
    );
    expect(() => macroF1([[true]], [])).toThrow('truth and predicted must have the same length (got 1 and 0).');
  });
});

describe('regression thresholds', () => {
  it('grades a value at a cut point upwards', () => {
    expect([-1, 0.49, 0.5, 1.2, 3.5, 9].map((v) => applyThresholds(v, [0.5, 1.5, 2.5, 3.5]))).toEqual([0, 0, 1, 1, 4, 4]);
  });

  it('keeps the starting cuts when they are already perfect', () => {
    const truth = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4];
    expect(optimiseRegressionThresholds(truth.map((t) => t + 0.1), truth, 5)).toEqual([0.5, 1.5, 2.5, 3.5]);
  });

  it('recovers the grades of a shifted and compressed regression', () => {
    const random = createRandom(5);
    const truth = Array.from({ length: 400 }, () => random.int(0, 4));
    // The model's outputs run 0.6 + 0.7 x grade with a little noise: default cuts grade most images wrongly.
    const values = truth.map((t) => 0.6 + 0.7 * t + random.range(-0.2, 0.2));
    const qwkAt = (cuts: number[]) => quadraticWeightedKappa(truth, values.map((v) => applyThresholds(v, cuts)), 5);
    const cuts = optimiseRegressionThresholds(values, truth, 5);
    expect(qwkAt([0.5, 1.5, 2.5, 3.5])).toBeLessThan(0.95);
    expect(qwkAt(cuts)).toBe(1);
    expect(cuts).toHaveLength(4);
    cuts.slice(1).forEach((cut, i) => expect(cut).toBeGreaterThan(cuts[i]!));
    expect(optimiseRegressionThresholds(values, truth, 5)).toEqual(cuts);
  });

  it('never does worse than the starting cuts on noisy outputs', () => {
    const random = createRandom(9);
    const truth = Array.from({ length: 300 }, () => random.int(0, 4));
    const values = truth.map((t) => random.normal(t * 0.8 + 0.3, 0.9));
    const qwkAt = (cuts: number[]) => quadraticWeightedKappa(truth, values.map((v) => applyThresholds(v, cuts)), 5);
    const cuts = optimiseRegressionThresholds(values, truth, 5);
    expect(qwkAt(cuts)).toBeGreaterThan(qwkAt([0.5, 1.5, 2.5, 3.5]));
    expect(qwkAt(cuts)).toBeGreaterThanOrEqual(qwkAt(optimiseRegressionThresholds(values, truth, 5, { iterations: 1 })));
    expect(optimiseRegressionThresholds(values, truth, 5, { iterations: 0 })).toEqual([0.5, 1.5, 2.5, 3.5]);
  });

  it('validates its inputs', () => {
    expect(() => optimiseRegressionThresholds([0.2, 1.1], [0, 5], 5)).toThrow('truth[1] = 5 is not a class index from 0 to 4.');
    expect(() => optimiseRegressionThresholds([0.2, Infinity], [0, 1], 5)).toThrow('values[1] = Infinity is not a finite number.');
    expect(() => optimiseRegressionThresholds([0.2], [0], 5, { iterations: -1 })).toThrow(
      'iterations must be a non-negative integer (got -1).',
    );
  });
});

describe('label thresholds', () => {
  it('picks the grid threshold with the best F1 for each label, nearest 0.5 on ties', () => {
    const probabilities = [
      [0.3, 0.9, 0.7],
      [0.35, 0.1, 0.2],
      [0.1, 0.8, 0.6],
      [0.2, 0.05, 0.1],
    ];
    const truth = [
      [true, true, false],
      [true, false, false],
      [false, true, false],
      [false, false, false],
    ];
    // Label 0 separates for thresholds in (0.2, 0.3]: grid 0.25 and 0.3 tie, 0.3 is nearer 0.5.
    // Label 1 separates anywhere in (0.1, 0.8]: 0.5 itself. Label 2 never occurs: 0.5.
    expect(optimiseLabelThresholds(probabilities, truth)).toEqual([0.3, 0.5, 0.5]);
  });

  it('lowers the threshold for a label the model under-scores', () => {
    const probabilities = [[0.12], [0.14], [0.08], [0.03], [0.02]];
    const truth = [[true], [true], [false], [false], [false]];
    expect(optimiseLabelThresholds(probabilities, truth)).toEqual([0.1]);
  });
});

describe('uncertainty of one prediction', () => {
  it('normalises entropy by log K', () => {
    expect(entropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(1, 12);
    expect(entropy([1, 0, 0])).toBe(0);
    expect(entropy([0.5, 0.5, 0])).toBeCloseTo(Math.log(2) / Math.log(3), 12);
    expect(entropy([1])).toBe(0);
  });

  it('measures the margin between the top two classes', () => {
    expect(margin([0.1, 0.7, 0.2])).toBeCloseTo(0.5, 12);
    expect(margin([0.5, 0.5])).toBe(0);
    expect(margin([1])).toBe(1);
  });

  it('rejects what is not a distribution', () => {
    expect(() => entropy([])).toThrow('A probability distribution needs at least one class.');
    expect(() => margin([0.5, -0.1, 0.6])).toThrow('Probabilities must lie between 0 and 1.');
    expect(() => entropy([0.5, 0.2])).toThrow('Probabilities must sum to 1.');
  });
});
