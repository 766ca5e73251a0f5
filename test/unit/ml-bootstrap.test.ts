import { describe, expect, it } from 'vitest';
import { groupBootstrap } from '../../src/main/ml/evaluate/bootstrap';
import { evaluate, type EvaluatedImage } from '../../src/main/ml/evaluate/evaluation';

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('patient-grouped bootstrap intervals', () => {
  // 100 patients, two eyes each, both eyes right or both wrong: 60% accuracy.
  const eyes = Array.from({ length: 200 }, (_, i) => ({ group: `p${Math.floor(i / 2)}`, correct: Math.floor(i / 2) % 5 < 3 ? 1 : 0 }));
  const accuracy = (sample: typeof eyes) => ({ accuracy: mean(sample.map((e) => e.correct)) });

  it('covers the figure, about ±1.96 standard errors over patients', () => {
    const interval = groupBootstrap(eyes, accuracy).accuracy!;
    expect(interval.low).toBeLessThan(0.6);
    expect(interval.high).toBeGreaterThan(0.6);
    // Binomial standard error over 100 independent patients: sqrt(0.6 × 0.4 / 100) ≈ 0.049.
    const halfWidth = (interval.high - interval.low) / 2;
    expect(halfWidth).toBeGreaterThan(0.07);
    expect(halfWidth).toBeLessThan(0.12);
  });

  it('is wider than pretending both eyes of a patient are independent', () => {
    const grouped = groupBootstrap(eyes, accuracy).accuracy!;
    const asIfIndependent = groupBootstrap(eyes.map((e, i) => ({ ...e, group: `eye${i}` })), accuracy).accuracy!;
    expect(grouped.high - grouped.low).toBeGreaterThan(1.25 * (asIfIndependent.high - asIfIndependent.low));
  });

  it('is the same for the same seed, and gives no interval to a figure undefined in most replicates', () => {
    expect(groupBootstrap(eyes, accuracy)).toEqual(groupBootstrap(eyes, accuracy));
    const rare = groupBootstrap(eyes, (sample) => ({ sensitivity: sample.some((e) => e.group === 'p0') ? 1 : null }));
    expect(rare.sensitivity).toBeNull();
  });
});

describe('an evaluation', () => {
  it('carries a 95% interval around each headline figure', () => {
    const images: EvaluatedImage[] = Array.from({ length: 120 }, (_, i) => {
      const label = i % 5;
      const predicted = i % 4 === 0 ? (label + 1) % 5 : label;
      const probabilities = [0, 1, 2, 3, 4].map((k) => (k === predicted ? 0.8 : 0.05));
      return { label, predicted, group: `p${Math.floor(i / 2)}`, probabilities, expected: null, referable: probabilities[2]! + probabilities[3]! + probabilities[4]! };
    });
    const evaluation = evaluate({ taskKind: 'dr-grade', head: 'softmax', classes: ['0', '1', '2', '3', '4'], basis: 'out-of-fold', images });
    for (const [metric, value] of [
      ['qwk', evaluation.qwk],
      ['accuracy', evaluation.accuracy],
      ['referableAuc', evaluation.referable!.auc],
      ['sensitivity', evaluation.referable!.sensitivity],
    ] as const) {
      const interval = evaluation.intervals![metric]!;
      expect(interval.low, metric).toBeLessThanOrEqual(value!);
      expect(interval.high, metric).toBeGreaterThanOrEqual(value!);
      expect(interval.high, metric).toBeGreaterThan(interval.low);
    }
  });
});
