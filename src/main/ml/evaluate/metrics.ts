// Evaluation metrics for trained heads: plain functions over arrays, no tensors.
// Conventions: class labels are integer indices 0..classCount-1; a rate whose denominator is zero is null;
// a summary over no samples is an input error, not a number.
import type { CalibrationBin, RocPoint } from '../../../shared/ml';

export type { CalibrationBin, RocPoint };

export interface ClassRates {
  support: number;
  sensitivity: number | null;
  specificity: number | null;
  precision: number | null;
}

export interface ThresholdRates {
  sensitivity: number | null;
  specificity: number | null;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

// ---- single-label classification ----

/** Rows are the true class, columns the predicted class. */
export function confusionMatrix(truth: number[], predicted: number[], classCount: number): number[][] {
  checkSameLength(truth, predicted, 'truth', 'predicted');
  checkClassCount(classCount);
  checkLabels(truth, classCount, 'truth');
  checkLabels(predicted, classCount, 'predicted');
  return countConfusion(truth, predicted, classCount);
}

/**
 * Cohen's kappa with quadratic weights (sklearn `cohen_kappa_score(weights='quadratic')`, the Kaggle DR metric).
 * When chance disagreement is zero — every truth and every prediction in the same single class — kappa is 0/0;
 * we return 0 rather than 1 so that a degenerate validation set never looks like a perfect model.
 */
export function quadraticWeightedKappa(truth: number[], predicted: number[], classCount: number): number {
  const confusion = confusionMatrix(truth, predicted, classCount);
  requireSamples(truth.length, 'quadratic weighted kappa');
  return kappaOfConfusion(confusion);
}

export function accuracy(truth: number[], predicted: number[]): number {
  checkSameLength(truth, predicted, 'truth', 'predicted');
  requireSamples(truth.length, 'accuracy');
  return truth.filter((t, i) => t === predicted[i]).length / truth.length;
}

/** Mean recall over the classes that occur in truth (classes absent from truth are skipped, as in sklearn). */
export function balancedAccuracy(truth: number[], predicted: number[], classCount: number): number {
  const confusion = confusionMatrix(truth, predicted, classCount);
  requireSamples(truth.length, 'balanced accuracy');
  const recalls = perClassRates(confusion).flatMap((rates) => (rates.sensitivity === null ? [] : [rates.sensitivity]));
  return mean(recalls);
}

/** One-vs-rest rates for each class of a square confusion matrix (rows = truth). */
export function perClassRates(confusion: number[][]): ClassRates[] {
  const k = confusion.length;
  if (confusion.some((row) => row.length !== k)) throw new Error('The confusion matrix must be square.');
  if (confusion.some((row) => row.some((n) => !Number.isInteger(n) || n < 0))) {
    throw new Error('The confusion matrix must hold non-negative whole counts.');
  }
  const total = sum(confusion.map(sum));
  return confusion.map((row, c) => {
    const tp = row[c]!;
    const support = sum(row);
    const predictedAsC = sum(confusion.map((r) => r[c]!));
    const fp = predictedAsC - tp;
    const tn = total - support - fp;
    return {
      support,
      sensitivity: ratio(tp, support),
      specificity: ratio(tn, tn + fp),
      precision: ratio(tp, predictedAsC),
    };
  });
}

// ---- binary scores ----

/**
 * ROC curve from threshold +Infinity down through every distinct score; tied scores form one step
 * (sklearn `roc_curve(drop_intermediate=False)`). The trapezoid AUC equals the Mann-Whitney statistic
 * with ties counted half. With only one class present there is no curve: points is empty and auc null.
 */
export function rocCurve(scores: number[], positive: boolean[]): { points: RocPoint[]; auc: number | null } {
  checkSameLength(scores, positive, 'scores', 'positive');
  checkFinite(scores, 'scores');
  const positives = positive.filter(Boolean).length;
  const negatives = positive.length - positives;
  if (positives === 0 || negatives === 0) return { points: [], auc: null };

  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const points: RocPoint[] = [{ threshold: Infinity, sensitivity: 0, specificity: 1 }];
  let tp = 0;
  let fp = 0;
  let doubledArea = 0; // in units of one positive x one negative
  for (let at = 0; at < order.length; ) {
    const threshold = scores[order[at]!]!;
    const [tpBefore, fpBefore] = [tp, fp];
    for (; at < order.length && scores[order[at]!] === threshold; at++) {
      if (positive[order[at]!]) tp++;
      else fp++;
    }
    doubledArea += (fp - fpBefore) * (tp + tpBefore);
    points.push({ threshold, sensitivity: tp / positives, specificity: (negatives - fp) / negatives });
  }
  return { points, auc: doubledArea / (2 * positives * negatives) };
}

/** A score at or above the threshold counts as a positive call. */
export function ratesAtThreshold(scores: number[], positive: boolean[], threshold: number): ThresholdRates {
  checkSameLength(scores, positive, 'scores', 'positive');
  checkFinite(scores, 'scores');
  if (Number.isNaN(threshold)) throw new Error('The threshold must be a number.');
  let [tp, fp, tn, fn] = [0, 0, 0, 0];
  scores.forEach((score, i) => {
    const called = score >= threshold;
    if (positive[i] && called) tp++;
    else if (positive[i]) fn++;
    else if (called) fp++;
    else tn++;
  });
  return { sensitivity: ratio(tp, tp + fn), specificity: ratio(tn, tn + fp), tp, fp, tn, fn };
}

/**
 * Reliability bins and expected calibration error (Guo et al. 2017): equal-width bins over [0, 1],
 * each covering [lower, upper) except the last, which also takes confidence 1; ECE is the count-weighted
 * mean of |accuracy - mean confidence| over the bins.
 */
export function calibration(
  confidences: number[],
  correct: boolean[],
  bins = 10,
): { ece: number; bins: CalibrationBin[] } {
  checkSameLength(confidences, correct, 'confidences', 'correct');
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`The number of bins must be a positive integer (got ${bins}).`);
  confidences.forEach((c, i) => {
    if (!(c >= 0 && c <= 1)) throw new Error(`confidences[${i}] = ${c} is not a probability between 0 and 1.`);
  });
  requireSamples(confidences.length, 'calibration');

  const count = new Array<number>(bins).fill(0);
  const confidenceSum = new Array<number>(bins).fill(0);
  const correctCount = new Array<number>(bins).fill(0);
  confidences.forEach((c, i) => {
    const b = Math.min(bins - 1, Math.floor(c * bins));
    count[b]! += 1;
    confidenceSum[b]! += c;
    if (correct[i]) correctCount[b]! += 1;
  });
  let ece = 0;
  const result = count.map((n, b) => {
    const meanConfidence = ratio(confidenceSum[b]!, n);
    const binAccuracy = ratio(correctCount[b]!, n);
    if (n > 0) ece += (n / confidences.length) * Math.abs(binAccuracy! - meanConfidence!);
    return { lower: b / bins, upper: (b + 1) / bins, count: n, meanConfidence, accuracy: binAccuracy };
  });
  return { ece, bins: result };
}

// ---- multilabel ----

/** F1 of one label; null when the label is neither present nor predicted anywhere (0/0). */
export function f1Score(truth: boolean[], predicted: boolean[]): number | null {
  checkSameLength(truth, predicted, 'truth', 'predicted');
  let [tp, fp, fn] = [0, 0, 0];
  truth.forEach((t, i) => {
    if (t && predicted[i]) tp++;
    else if (predicted[i]) fp++;
    else if (t) fn++;
  });
  return ratio(2 * tp, 2 * tp + fp + fn);
}

/**
 * Mean F1 over labels (rows = samples, columns = labels). Labels whose F1 is undefined — never present and
 * never predicted — are left out of the mean rather than counted as 0 or 1; if no label is defined the result is 0.
 */
export function macroF1(truth: boolean[][], predicted: boolean[][]): number {
  const labelCount = checkLabelTable(truth, predicted, 'truth', 'predicted');
  const scores: number[] = [];
  for (let label = 0; label < labelCount; label++) {
    const f1 = f1Score(column(truth, label), column(predicted, label));
    if (f1 !== null) scores.push(f1);
  }
  return scores.length === 0 ? 0 : mean(scores);
}

// ---- thresholds ----

/** The grade for a regression output: the number of cut points at or below the value (cut points increasing). */
export function applyThresholds(value: number, thresholds: number[]): number {
  let grade = 0;
  while (grade < thresholds.length && value >= thresholds[grade]!) grade++;
  return grade;
}

/**
 * Cut points turning regression outputs into grades so as to maximise QWK — the "OptimizedRounder" of the
 * APTOS 2019 winners, but with exact coordinate search instead of Nelder-Mead: starting from [0.5, 1.5, …],
 * each cut in turn is moved to the best position between its neighbours, and passes repeat until nothing
 * moves or `iterations` (default 10) passes are done. A cut only moves for a strict gain, so the result is
 * deterministic and never worse than the starting cuts.
 */
export function optimiseRegressionThresholds(
  values: number[],
  truth: number[],
  classCount: number,
  options: { iterations?: number } = {},
): number[] {
  checkSameLength(values, truth, 'values', 'truth');
  checkFinite(values, 'values');
  checkClassCount(classCount);
  checkLabels(truth, classCount, 'truth');
  requireSamples(values.length, 'regression thresholds');
  const iterations = options.iterations ?? 10;
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new Error(`iterations must be a non-negative integer (got ${iterations}).`);
  }

  const thresholds = Array.from({ length: classCount - 1 }, (_, i) => i + 0.5);
  const byValue = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  for (let pass = 0; pass < iterations; pass++) {
    let moved = false;
    for (let cut = 0; cut < thresholds.length; cut++) {
      moved = improveCut(thresholds, cut, values, truth, byValue, classCount) || moved;
    }
    if (!moved) break;
  }
  return thresholds;
}

/**
 * Moves cut `cut` (between grades cut and cut+1) to its best position. Only samples strictly between the
 * neighbouring cuts can change grade; sweeping the cut upwards through them moves them one value at a time
 * from grade cut+1 to grade cut, so each candidate costs one O(K²) kappa on an updated confusion matrix.
 */
function improveCut(
  thresholds: number[],
  cut: number,
  values: number[],
  truth: number[],
  byValue: number[],
  classCount: number,
): boolean {
  const lower = cut > 0 ? thresholds[cut - 1]! : -Infinity;
  const upper = cut < thresholds.length - 1 ? thresholds[cut + 1]! : Infinity;
  const movable = byValue.filter((s) => values[s]! > lower && values[s]! < upper);
  if (movable.length === 0) return false;

  const predicted = values.map((v) => applyThresholds(v, thresholds));
  const confusion = countConfusion(truth, predicted, classCount);
  let best = kappaOfConfusion(confusion);
  let bestCut = thresholds[cut]!;
  const consider = (position: number) => {
    const kappa = kappaOfConfusion(confusion);
    if (kappa > best + 1e-12) [best, bestCut] = [kappa, position];
  };

  for (const s of movable) {
    confusion[truth[s]!]![predicted[s]!]! -= 1;
    confusion[truth[s]!]![cut + 1]! += 1;
  }
  const lowest = values[movable[0]!]!;
  consider(Number.isFinite(lower) ? (lower + lowest) / 2 : lowest - 0.5);
  for (let at = 0; at < movable.length; ) {
    const value = values[movable[at]!]!;
    for (; at < movable.length && values[movable[at]!] === value; at++) {
      const t = truth[movable[at]!]!;
      confusion[t]![cut + 1]! -= 1;
      confusion[t]![cut]! += 1;
    }
    const next = at < movable.length ? values[movable[at]!]! : upper;
    consider(Number.isFinite(next) ? (value + next) / 2 : value + 0.5);
  }
  if (bestCut === thresholds[cut]) return false;
  thresholds[cut] = bestCut;
  return true;
}

const LABEL_THRESHOLD_GRID = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);
// Searched from 0.5 outwards so that ties go to the threshold nearest 0.5 (and then the lower one).
const GRID_FROM_MIDDLE = [...LABEL_THRESHOLD_GRID].sort((a, b) => Math.abs(a - 0.5) - Math.abs(b - 0.5) || a - b);

/** Per label, the probability threshold in 0.05..0.95 (steps of 0.05) with the best F1; 0.5 for a label never present. */
export function optimiseLabelThresholds(probabilities: number[][], truth: boolean[][]): number[] {
  const labelCount = checkLabelTable(probabilities, truth, 'probabilities', 'truth');
  probabilities.forEach((row, i) => checkFinite(row, `probabilities[${i}]`));
  return Array.from({ length: labelCount }, (_, label) => {
    const present = column(truth, label);
    if (!present.some(Boolean)) return 0.5;
    const scores = column(probabilities, label);
    let [best, bestThreshold] = [-1, 0.5];
    for (const threshold of GRID_FROM_MIDDLE) {
      const f1 = f1Score(present, scores.map((p) => p >= threshold))!;
      if (f1 > best) [best, bestThreshold] = [f1, threshold];
    }
    return bestThreshold;
  });
}

// ---- uncertainty of one prediction ----

/** Shannon entropy (natural log) divided by log K: 0 for a certain prediction, 1 for a uniform one. */
export function entropy(probabilities: number[]): number {
  checkDistribution(probabilities);
  if (probabilities.length === 1) return 0;
  const nats = -sum(probabilities.map((p) => (p > 0 ? p * Math.log(p) : 0)));
  return Math.min(1, Math.max(0, nats / Math.log(probabilities.length)));
}

/** Top probability minus the runner-up (the runner-up is 0 for a single class). */
export function margin(probabilities: number[]): number {
  checkDistribution(probabilities);
  const [top = 0, second = 0] = [...probabilities].sort((a, b) => b - a);
  return top - second;
}

// ---- helpers ----

function countConfusion(truth: number[], predicted: number[], classCount: number): number[][] {
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  truth.forEach((t, i) => (matrix[t]![predicted[i]!]! += 1));
  return matrix;
}

function kappaOfConfusion(confusion: number[][]): number {
  const { observed, expected } = kappaDisagreements(confusion, 'quadratic');
  return expected === 0 ? 0 : 1 - observed / expected;
}

/**
 * The two sums of Cohen's kappa over a confusion matrix (rows one rater, columns the other): the weighted
 * disagreement observed and the one expected by chance from the margins; kappa is 1 − observed / expected.
 * Unweighted counts every disagreement as 1; quadratic weighs it by the squared distance between the classes.
 */
export function kappaDisagreements(confusion: number[][], weights: 'unweighted' | 'quadratic'): { observed: number; expected: number } {
  const rows = confusion.map(sum);
  const cols = confusion.map((_, j) => sum(confusion.map((row) => row[j]!)));
  const n = sum(rows);
  let observed = 0;
  let expected = 0;
  confusion.forEach((row, i) =>
    row.forEach((count, j) => {
      const weight = weights === 'quadratic' ? (i - j) ** 2 : i === j ? 0 : 1;
      observed += weight * count;
      expected += (weight * rows[i]! * cols[j]!) / n;
    }),
  );
  return { observed, expected };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]): number => sum(xs) / xs.length;
const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);
const column = <T>(table: T[][], index: number): T[] => table.map((row) => row[index]!);

function checkSameLength(a: unknown[], b: unknown[], aName: string, bName: string): void {
  if (a.length !== b.length) {
    throw new Error(`${aName} and ${bName} must have the same length (got ${a.length} and ${b.length}).`);
  }
}

function checkClassCount(classCount: number): void {
  if (!Number.isInteger(classCount) || classCount < 1) {
    throw new Error(`classCount must be a positive integer (got ${classCount}).`);
  }
}

function checkLabels(labels: number[], classCount: number, name: string): void {
  labels.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new Error(`${name}[${i}] = ${label} is not a class index from 0 to ${classCount - 1}.`);
    }
  });
}

function checkFinite(xs: number[], name: string): void {
  xs.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new Error(`${name}[${i}] = ${x} is not a finite number.`);
  });
}

function requireSamples(count: number, what: string): void {
  if (count === 0) throw new Error(`Cannot compute ${what} without samples.`);
}

/** Both tables have the same non-zero number of rows, all of one width; returns that width (the label count). */
function checkLabelTable(a: unknown[][], b: unknown[][], aName: string, bName: string): number {
  checkSameLength(a, b, aName, bName);
  requireSamples(a.length, 'per-label scores');
  const width = a[0]!.length;
  a.forEach((row, i) => {
    if (row.length !== width || b[i]!.length !== width) {
      throw new Error(`Row ${i} of ${aName} or ${bName} does not have ${width} labels like row 0.`);
    }
  });
  return width;
}

function checkDistribution(probabilities: number[]): void {
  if (probabilities.length === 0) throw new Error('A probability distribution needs at least one class.');
  if (probabilities.some((p) => !(p >= 0 && p <= 1))) throw new Error('Probabilities must lie between 0 and 1.');
  if (Math.abs(sum(probabilities) - 1) > 1e-3) throw new Error('Probabilities must sum to 1.');
}
