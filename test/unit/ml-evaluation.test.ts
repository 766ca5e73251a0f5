import { describe, expect, it } from 'vitest';
import { evaluate, type EvaluatedImage } from '../../src/main/ml/evaluate/evaluation';

const image = (label: number, predicted: number, n: number): EvaluatedImage => ({
  label,
  predicted,
  group: `patient-${n}`,
  probabilities: null,
  expected: null,
  referable: null,
});

describe('evaluation of single-label tasks', () => {
  it('gives macro-F1 when every class has support, as sklearn computes it', () => {
    // sklearn f1_score(average='macro') docstring: y_true [0,1,2,0,1,2], y_pred [0,2,1,0,0,1] → 0.2666…
    const truth = [0, 1, 2, 0, 1, 2];
    const predicted = [0, 2, 1, 0, 0, 1];
    const evaluation = evaluate({
      taskKind: 'multiclass',
      head: 'softmax',
      classes: ['a', 'b', 'c'],
      basis: 'out-of-fold',
      images: truth.map((t, n) => image(t, predicted[n]!, n)),
    });
    expect(evaluation.macroF1).toBeCloseTo(0.26666666666666666, 12);
  });

  it('gives macro-F1 for DR grades beside the kappa', () => {
    const truth = [0, 0, 1, 2, 3, 4, 4];
    const evaluation = evaluate({
      taskKind: 'dr-grade',
      head: 'ordinal',
      classes: ['0', '1', '2', '3', '4'],
      basis: 'out-of-fold',
      images: truth.map((t, n) => image(t, t, n)),
    });
    expect(evaluation.macroF1).toBe(1);
    expect(evaluation.qwk).toBe(1);
  });
});
