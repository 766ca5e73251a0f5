/**
 * The referable-DR operating point, moved along the evaluation's ROC curve in the renderer. The curve
 * runs from threshold +∞ (no eye referred) down through every distinct score, as main computes it; a
 * score at or above the threshold counts as referable.
 */
import type { RocPoint } from '../../../../shared/ml';
import { formatPercent } from './format';
import { plural } from '../format';

/** Main sends the first point's +∞ as 1 (JSON has no infinity); JSON would also turn it into null. */
type WireRocPoint = Omit<RocPoint, 'threshold'> & { threshold: number | null };

export interface OperatingPoint {
  index: number;
  threshold: number;
  sensitivity: number;
  specificity: number;
  /** Referable eyes called referable, and all referable eyes. */
  truePositives: number;
  positives: number;
  /** Non-referable eyes called non-referable, and all of them. */
  trueNegatives: number;
  negatives: number;
}

/**
 * The curve with the thresholds in falling order (slider left: refer nobody) and +∞ restored. A point
 * that refers no image (sensitivity 0, specificity 1) is the +∞ one, whatever number it came with: every
 * real threshold refers at least one image, so only +∞ gives that point.
 */
export function normaliseCurve(curve: readonly WireRocPoint[]): RocPoint[] {
  return curve
    .map((point) => ({
      ...point,
      threshold: point.threshold === null || (point.sensitivity === 0 && point.specificity === 1) ? Infinity : point.threshold,
    }))
    .sort((a, b) => (a.threshold === b.threshold ? 0 : a.threshold > b.threshold ? -1 : 1));
}

/**
 * The point whose rates hold at `threshold`: the lowest curve threshold at or above it (the same eyes are
 * called referable). Above every score that is the +∞ point; an empty curve has no point (-1).
 */
export function pointIndexForThreshold(curve: readonly RocPoint[], threshold: number): number {
  if (curve.length === 0) return -1;
  let index = 0;
  for (let i = 0; i < curve.length; i++) if (curve[i]!.threshold >= threshold) index = i;
  return index;
}

export function operatingPoint(curve: readonly RocPoint[], index: number, positives: number, negatives: number): OperatingPoint | null {
  const point = curve[Math.max(0, Math.min(curve.length - 1, Math.round(index)))];
  if (!point) return null;
  return {
    index: curve.indexOf(point),
    threshold: point.threshold,
    sensitivity: point.sensitivity,
    specificity: point.specificity,
    truePositives: Math.round(point.sensitivity * positives),
    positives,
    trueNegatives: Math.round(point.specificity * negatives),
    negatives,
  };
}

/** "0.4213", or, for the first point, that nobody is referred. Four significant digits tell close steps apart. */
export function formatThreshold(threshold: number): string {
  if (threshold === Infinity) return 'above every score';
  return Number(threshold.toPrecision(4)).toString();
}

/** What a screen reader hears, and the line under the slider shows. */
export function describeOperatingPoint(point: OperatingPoint): string {
  return [
    `threshold ${formatThreshold(point.threshold)}`,
    `sensitivity ${formatPercent(point.sensitivity)} (${point.truePositives} of ${plural(point.positives, 'referable image')})`,
    `specificity ${formatPercent(point.specificity)} (${point.trueNegatives} of ${plural(point.negatives, 'non-referable image')})`,
  ].join(', ');
}

/** The curve as chart points: x = 1 − specificity (false-positive rate), y = sensitivity. */
export const rocChartPoints = (curve: readonly RocPoint[]): Array<{ x: number; y: number }> =>
  curve.map((point) => ({ x: 1 - point.specificity, y: point.sensitivity }));
