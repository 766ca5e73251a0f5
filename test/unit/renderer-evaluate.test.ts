import { describe, expect, it } from 'vitest';
import type { CalibrationBin, Evaluation, RocPoint } from '../../src/shared/ml';
import { basisSentence, calibrationUnavailable, confusionUnavailable, rocUnavailable } from '../../src/renderer/src/lib/evaluate/basis';
import { reliabilityPoints, worstBin } from '../../src/renderer/src/lib/evaluate/calibration';
import { columnTotals, confusionCells, rowTotals, shadeOpacity } from '../../src/renderer/src/lib/evaluate/confusion';
import {
  formatLearningRate,
  formatLoss,
  formatMetric,
  formatPercent,
  formatSeconds,
  roundTo,
} from '../../src/renderer/src/lib/evaluate/format';
import { headlineRows } from '../../src/renderer/src/lib/evaluate/headline';
import {
  describeOperatingPoint,
  formatThreshold,
  normaliseCurve,
  operatingPoint,
  pointIndexForThreshold,
  rocChartPoints,
} from '../../src/renderer/src/lib/evaluate/roc';

describe('metric formatting', () => {
  it('rounds to the nearest shown digit, as a reader checking by hand would', () => {
    expect(formatPercent(49 / 59)).toBe('83.1%');
    expect(formatMetric(0.9996)).toBe('1.000');
    expect(formatMetric(0.8129)).toBe('0.813');
    expect(formatMetric(0.8124)).toBe('0.812');
    expect(formatPercent(0.8765)).toBe('87.7%');
    expect(formatMetric(0.0411)).toBe('0.041');
  });

  it('rounds halves away from zero despite float error, and never shows -0', () => {
    expect(formatMetric(0.8305)).toBe('0.831');
    expect(formatPercent(0.29)).toBe('29.0%');
    expect(formatMetric(0.7)).toBe('0.700');
    expect(formatMetric(1)).toBe('1.000');
    expect(roundTo(-0.0004, 3)).toBe('0.000');
    expect(roundTo(-0.1235, 3)).toBe('-0.124');
    expect(roundTo(2.5, 0)).toBe('3');
  });

  it('shows a dash for a value that is not defined, never 0', () => {
    for (const value of [null, undefined, NaN, Infinity]) {
      expect(formatMetric(value)).toBe('—');
      expect(formatPercent(value)).toBe('—');
      expect(formatLoss(value)).toBe('—');
    }
  });

  it('formats losses, learning rates and seconds', () => {
    expect(formatLoss(0.412345)).toBe('0.4123');
    expect(formatLoss(0.00012)).toBe('1.20e-4');
    expect(formatLearningRate(0.003)).toBe('0.003');
    expect(formatLearningRate(0.000032)).toBe('3.2e-5');
    expect(formatLearningRate(0.00001)).toBe('1e-5');
    expect(formatSeconds(0.8421)).toBe('0.84 s');
    expect(formatSeconds(12.6)).toBe('13 s');
  });
});

// Scores 0.9 (referable), 0.7 (referable), 0.4 (not), 0.2 (referable), 0.1 (not): threshold +∞ first.
const curve: RocPoint[] = [
  { threshold: Infinity, sensitivity: 0, specificity: 1 },
  { threshold: 0.9, sensitivity: 1 / 3, specificity: 1 },
  { threshold: 0.7, sensitivity: 2 / 3, specificity: 1 },
  { threshold: 0.4, sensitivity: 2 / 3, specificity: 0.5 },
  { threshold: 0.2, sensitivity: 1, specificity: 0.5 },
  { threshold: 0.1, sensitivity: 1, specificity: 0 },
];

describe('the referable-DR operating point', () => {
  it('restores +∞, sent as 1 by main or null by JSON, and orders thresholds from high to low', () => {
    const asNull = [curve[3]!, { ...curve[0]!, threshold: null }, curve[5]!];
    expect(normaliseCurve(asNull).map((p) => p.threshold)).toEqual([Infinity, 0.4, 0.1]);
    // Clamped regression scores can be exactly 1: that real point stays 1, after the +∞ one.
    const asOne = [{ ...curve[0]!, threshold: 1 }, { threshold: 1, sensitivity: 0.5, specificity: 1 }, curve[5]!];
    expect(normaliseCurve(asOne).map((p) => p.threshold)).toEqual([Infinity, 1, 0.1]);
    expect(pointIndexForThreshold(normaliseCurve(asOne), 1)).toBe(1);
  });

  it('finds the point whose rates hold at a threshold: the lowest curve threshold at or above it', () => {
    expect(pointIndexForThreshold(curve, 0.5)).toBe(2);
    expect(pointIndexForThreshold(curve, 0.7)).toBe(2);
    expect(pointIndexForThreshold(curve, 0.05)).toBe(5);
    expect(pointIndexForThreshold(curve, 0.95)).toBe(0);
    expect(pointIndexForThreshold([], 0.5)).toBe(-1);
  });

  it('gives the rates with the image counts behind them', () => {
    expect(operatingPoint(curve, 3, 3, 2)).toEqual({
      index: 3,
      threshold: 0.4,
      sensitivity: 2 / 3,
      specificity: 0.5,
      truePositives: 2,
      positives: 3,
      trueNegatives: 1,
      negatives: 2,
    });
    expect(operatingPoint(curve, 99, 3, 2)?.index).toBe(5);
    expect(operatingPoint([], 0, 3, 2)).toBeNull();
  });

  it('describes the point in words, with counts and rounded rates', () => {
    expect(describeOperatingPoint(operatingPoint(curve, 2, 3, 2)!)).toBe(
      'threshold 0.7, sensitivity 66.7% (2 of 3 referable images), specificity 100.0% (2 of 2 non-referable images)',
    );
    expect(formatThreshold(Infinity)).toBe('above every score');
    expect(formatThreshold(0.123456)).toBe('0.1235');
  });

  it('draws the curve as false-positive rate against sensitivity', () => {
    expect(rocChartPoints(curve.slice(0, 2))).toEqual([{ x: 0, y: 0 }, { x: 0, y: 1 / 3 }]);
  });
});

function evaluation(overrides: Partial<Evaluation> = {}): Evaluation {
  return {
    basis: 'out-of-fold',
    samples: 312,
    groups: 158,
    classes: ['No DR', 'Mild NPDR', 'Moderate NPDR', 'Severe NPDR', 'Proliferative DR'],
    confusion: null,
    perClass: [],
    qwk: 0.81,
    accuracy: 0.7,
    balancedAccuracy: 0.55,
    macroF1: 0.5,
    referable: { auc: 0.91, curve, threshold: 0.5, sensitivity: 2 / 3, specificity: 1, positives: 104, negatives: 208 },
    calibration: { ece: 0.05, bins: [] },
    ...overrides,
  };
}

describe('what an evaluation was measured on', () => {
  it('says how many images from how many patients, and that the model did not train on them', () => {
    expect(basisSentence(evaluation(), 'dr-grade')).toMatch(/^Measured on 312 images from 158 patients the model did not train on \(out-of-fold/);
    expect(basisSentence(evaluation({ basis: 'holdout', samples: 1, groups: 1 }), 'multiclass')).toMatch(
      /^Measured on 1 image from 1 group held out of training \(grouped hold-out/,
    );
  });

  it('explains a missing ROC curve instead of drawing an empty one', () => {
    expect(rocUnavailable('dr-grade', evaluation())).toBeNull();
    expect(rocUnavailable('multiclass', evaluation())).toMatch(/DR-grade projects only; this is a multiclass project/);
    expect(rocUnavailable('dr-grade', evaluation({ referable: null }))).toMatch(/no referable-DR scores/);
    const oneSided = evaluation({ referable: { auc: null, curve: [], threshold: 0.5, sensitivity: null, specificity: null, positives: 0, negatives: 40 } });
    expect(rocUnavailable('dr-grade', oneSided)).toBe(
      'An ROC curve needs both referable and non-referable images; this evaluation has 0 referable images and 40 non-referable images.',
    );
  });

  it('explains a missing calibration plot or confusion matrix', () => {
    expect(calibrationUnavailable(evaluation({ calibration: null }))).toMatch(/no calibration figures/);
    expect(calibrationUnavailable(evaluation({ calibration: { ece: 0, bins: [bin(0, 0.5, 0, null, null)] } }))).toMatch(/No image fell/);
    expect(confusionUnavailable('multilabel', evaluation())).toMatch(/each label is judged on its own/);
    expect(confusionUnavailable('dr-grade', evaluation({ confusion: [[1]] }))).toBeNull();
  });
});

describe('headline figures', () => {
  it('lists the figures that apply to the task, each with its sample count', () => {
    const dr = headlineRows(evaluation(), 'dr-grade');
    expect(dr.map((row) => row.key)).toEqual(['qwk', 'accuracy', 'balanced-accuracy', 'macro-f1', 'referable-auc', 'ece']);
    expect(dr.find((row) => row.key === 'referable-auc')).toMatchObject({ text: '0.910', basis: '312 images (104 referable)' });
    expect(dr.find((row) => row.key === 'ece')).toMatchObject({ text: '0.050', basis: '312 images' });
    expect(headlineRows(evaluation(), 'multiclass').map((row) => row.key)).toEqual(['accuracy', 'balanced-accuracy', 'macro-f1', 'ece']);
    expect(headlineRows(evaluation(), 'multilabel').map((row) => row.key)).toEqual(['macro-f1', 'ece']);
  });

  it('shows a dash for an undefined figure', () => {
    const rows = headlineRows(evaluation({ qwk: null, calibration: null }), 'dr-grade');
    expect(rows.find((row) => row.key === 'qwk')?.text).toBe('—');
    expect(rows.find((row) => row.key === 'ece')?.text).toBe('—');
  });
});

describe('the confusion matrix', () => {
  const matrix = [
    [8, 2, 0],
    [1, 3, 0],
    [0, 0, 0],
  ];

  it('shades each cell by its share of the reader’s row and marks agreement', () => {
    const cells = confusionCells(matrix);
    expect(cells[0]![0]).toEqual({ count: 8, rowShare: 0.8, diagonal: true });
    expect(cells[1]![0]).toEqual({ count: 1, rowShare: 0.25, diagonal: false });
    expect(cells[2]![2]).toEqual({ count: 0, rowShare: null, diagonal: true });
    expect(shadeOpacity(cells[0]![0]!)).toBeCloseTo(0.12 + 0.68 * 0.8);
    expect(shadeOpacity(cells[0]![2]!)).toBe(0);
    expect(shadeOpacity(cells[1]![0]!)).toBeGreaterThan(0.12);
  });

  it('totals rows (reader) and columns (model)', () => {
    expect(rowTotals(matrix)).toEqual([10, 4, 0]);
    expect(columnTotals(matrix)).toEqual([9, 5, 0]);
  });
});

function bin(lower: number, upper: number, count: number, meanConfidence: number | null, accuracy: number | null): CalibrationBin {
  return { lower, upper, count, meanConfidence, accuracy };
}

describe('the reliability diagram', () => {
  const bins = [bin(0, 0.5, 0, null, null), bin(0.5, 0.75, 10, 0.6, 0.5), bin(0.75, 1, 30, 0.9, 0.6)];

  it('plots one point per bin with images', () => {
    expect(reliabilityPoints(bins)).toEqual([
      { x: 0.6, y: 0.5, count: 10, lower: 0.5, upper: 0.75 },
      { x: 0.9, y: 0.6, count: 30, lower: 0.75, upper: 1 },
    ]);
  });

  it('finds the bin where confidence and accuracy differ most', () => {
    expect(worstBin(bins)?.lower).toBe(0.75);
    expect(worstBin([bin(0, 1, 0, null, null)])).toBeNull();
  });
});

describe('headline figures with intervals', () => {
  it('writes a 95% interval beside each figure, in the figure’s own style', async () => {
    const { formatInterval } = await import('../../src/renderer/src/lib/evaluate/headline');
    expect(formatInterval('qwk', { low: 0.7149, high: 0.8526 })).toBe('0.715–0.853');
    expect(formatInterval('sensitivity', { low: 0.6118, high: 0.74 })).toBe('61.2–74.0%');
    expect(formatInterval('qwk', null)).toBe('—');
    expect(formatInterval('qwk', undefined)).toBe('—');
  });

  it('leads with the clinician’s words and keeps the technical term beside them', () => {
    const rows = headlineRows({ ...evaluation(), intervals: { qwk: { low: 0.6, high: 0.7 } } }, 'dr-grade');
    const qwk = rows.find((row) => row.key === 'qwk')!;
    expect(qwk.label).toBe('Agreement with the readers’ grades');
    expect(qwk.term).toMatch(/QWK/);
    expect(qwk.interval).toBe('0.600–0.700');
    expect(rows.find((row) => row.key === 'accuracy')!.interval).toBe('—');
  });
});
