// Agreement between graders over k classes: Cohen's κ (unweighted and quadratic), percent agreement,
// the confusion between two raters, Fleiss' κ for more than two, and referable DR rates against a reference;
// each also per ISO week.
// Conventions as in metrics.ts: a figure undefined on its data (0/0) is null; no data at all is an input error.
import { REFERABLE_GRADE } from '../../../shared/domain';
import type { AgreementFigures, WeeklyAgreement, WeeklyFleiss } from '../../../shared/agreement';
import type { Interval } from '../../../shared/ml';
import { isoWeek } from '../../util/iso-week';
import { groupBootstrap, replicatesFor, type BootstrapOptions } from './bootstrap';
import { confusionMatrix, kappaDisagreements, ratesAtThreshold } from './metrics';

/** Two raters' classes for one image; `group` is its patient, which the intervals resample. */
export interface PairedGrade {
  group: string;
  a: number;
  b: number;
  /** When the comparison became possible (an ISO timestamp): its week in `agreementOverTime`. */
  at?: string;
}

/**
 * Cohen's κ of two raters (same images, same order, classes 0..classCount-1). Null when chance disagreement
 * is zero — both raters gave one and the same class to every image — where κ is 0/0 and says nothing.
 */
export function cohenKappa(a: number[], b: number[], classCount: number, weights: 'unweighted' | 'quadratic' = 'unweighted'): number | null {
  return kappaOfConfusion(raterConfusion(a, b, classCount), weights);
}

/** Cohen's κ from the two raters' confusion (rows one rater, columns the other); null where chance disagreement is zero. */
function kappaOfConfusion(confusion: number[][], weights: 'unweighted' | 'quadratic'): number | null {
  const { observed, expected } = kappaDisagreements(confusion, weights);
  return expected === 0 ? null : 1 - observed / expected;
}

/** The share of images both raters put in the same class. */
export function percentAgreement(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new Error(`The two raters must grade the same images (got ${a.length} and ${b.length} grades).`);
  if (a.length === 0) throw new Error('The two raters have no images in common to compare.');
  return a.filter((grade, i) => grade === b[i]).length / a.length;
}

/** Rows: rater a's class; columns: rater b's. */
export function raterConfusion(a: number[], b: number[], classCount: number): number[][] {
  if (a.length === 0 && b.length === 0) throw new Error('The two raters have no images in common to compare.');
  return confusionMatrix(a, b, classCount);
}

/**
 * Fleiss' κ (Fleiss 1971) from a table of counts: one row per image, one column per class, each cell the
 * number of raters who put that image in that class; every image must have the same number of raters (≥ 2).
 * Null when every rating fell in one class (chance agreement 1, κ 0/0).
 */
export function fleissKappa(counts: number[][]): number | null {
  if (counts.length === 0) throw new Error('Fleiss\' kappa needs at least one image.');
  const raters = sum(counts[0]!);
  if (raters < 2) throw new Error(`Fleiss' kappa needs at least two ratings per image (got ${raters}).`);
  counts.forEach((row, i) => {
    if (row.length !== counts[0]!.length) throw new Error(`Image ${i} has ${row.length} classes, not ${counts[0]!.length} like image 0.`);
    if (row.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`Image ${i} has a count that is not a non-negative whole number.`);
    if (sum(row) !== raters) throw new Error(`Image ${i} has ${sum(row)} ratings, not ${raters} like image 0: Fleiss' kappa needs the same number per image.`);
  });
  const images = counts.length;
  const observed = sum(counts.map((row) => (sum(row.map((n) => n * n)) - raters) / (raters * (raters - 1)))) / images;
  const shares = counts[0]!.map((_, j) => sum(counts.map((row) => row[j]!)) / (images * raters));
  const chance = sum(shares.map((p) => p * p));
  return chance >= 1 - 1e-12 ? null : (observed - chance) / (1 - chance);
}

/** Fleiss' count table from each image's list of classes given by its raters. */
export function fleissCounts(ratingsPerImage: number[][], classCount: number): number[][] {
  return ratingsPerImage.map((ratings) => {
    const row = new Array<number>(classCount).fill(0);
    for (const c of ratings) row[c]! += 1;
    return row;
  });
}

/**
 * Referable DR (grade ≥ 2) as called by a grader against the reference: sensitivity over the images the
 * reference calls referable, specificity over the others (null where there are none).
 */
export function referableRates(grader: number[], reference: number[]): { sensitivity: number | null; specificity: number | null } {
  const { sensitivity, specificity } = ratesAtThreshold(grader, reference.map((grade) => grade >= REFERABLE_GRADE), REFERABLE_GRADE);
  return { sensitivity, specificity };
}

export interface AgreementOptions {
  classCount: number;
  /** Classes in order of severity (DR grades): quadratic κ makes sense. */
  ordered: boolean;
  /** DR grades against a reference (b): sensitivity and specificity for referable DR. */
  referable: boolean;
  bootstrap?: BootstrapOptions;
}

/**
 * Every agreement figure of two raters over their shared images, with 95% intervals: κ from resampling
 * patients; a proportion (agreement, sensitivity, specificity) from the wider of that and the Wilson score
 * interval over images, since resampling few patients, or a share of 0% or 100%, can give an interval of one
 * point. A κ interval of one point likewise says nothing about the uncertainty and is dropped.
 */
export function compareRaters(pairs: readonly PairedGrade[], options: AgreementOptions): AgreementFigures & { sensitivity: number | null; specificity: number | null } {
  // Every figure from one confusion per sample: the bootstrap calls this a thousand times.
  const figures = (sample: readonly PairedGrade[]) => {
    const a = sample.map((p) => p.a);
    const b = sample.map((p) => p.b);
    const confusion = raterConfusion(a, b, options.classCount);
    const rates = options.referable ? referableRates(a, b) : { sensitivity: null, specificity: null };
    return {
      kappa: kappaOfConfusion(confusion, 'unweighted'),
      quadraticKappa: options.ordered ? kappaOfConfusion(confusion, 'quadratic') : null,
      percentAgreement: confusion.reduce((agreed, row, i) => agreed + row[i]!, 0) / sample.length,
      ...rates,
    };
  };
  const point = figures(pairs);
  const confusion = raterConfusion(pairs.map((p) => p.a), pairs.map((p) => p.b), options.classCount);
  const resampled = groupBootstrap(pairs, figures, options.bootstrap);
  const referencePositives = pairs.filter((p) => p.b >= REFERABLE_GRADE).length;
  const trials = { percentAgreement: pairs.length, sensitivity: referencePositives, specificity: pairs.length - referencePositives };
  const intervals: AgreementFigures['intervals'] = {};
  for (const name of ['kappa', 'quadraticKappa'] as const) {
    const interval = resampled[name];
    if (point[name] !== null && interval !== undefined) intervals[name] = interval && interval.high > interval.low ? interval : null;
  }
  for (const name of ['percentAgreement', 'sensitivity', 'specificity'] as const) {
    const value = point[name];
    if (value === null) continue;
    const wilson = wilsonInterval(Math.round(value * trials[name]), trials[name]);
    const interval = resampled[name];
    intervals[name] = interval ? { low: Math.min(interval.low, wilson.low), high: Math.max(interval.high, wilson.high) } : wilson;
  }
  return { n: pairs.length, ...point, intervals, confusion };
}

/**
 * Every figure of `compareRaters` but the confusion per ISO week of `at`, oldest first, each week with its own
 * intervals (its patients resampled). Pairs without `at` are left out.
 */
export function agreementOverTime(pairs: readonly PairedGrade[], options: AgreementOptions): WeeklyAgreement[] {
  // As many replicates per week as the whole set gets, so the weeks together cost no more than the whole.
  const bootstrap = { replicates: replicatesFor(pairs.length), ...options.bootstrap };
  return byIsoWeek(pairs).map(([week, inWeek]) => {
    const { n, kappa, quadraticKappa, percentAgreement, sensitivity, specificity, intervals } = compareRaters(inWeek, { ...options, bootstrap });
    return { week, n, kappa, quadraticKappa, percentAgreement, sensitivity, specificity, intervals };
  });
}

/** One image's classes from several raters, for Fleiss' κ; `group` is its patient, `at` when the last rating was given. */
export interface RatedImage {
  group: string;
  ratings: number[];
  at?: string;
}

/**
 * Fleiss' κ of the images (every one rated by the same raters) with its 95% interval from resampling patients;
 * no interval where κ is undefined, or where the replicates never moved it (see compareRaters).
 */
export function fleissAgreement(images: readonly RatedImage[], classCount: number, bootstrap?: BootstrapOptions): { n: number; kappa: number | null; interval: Interval | null } {
  const kappaOf = (sample: readonly RatedImage[]) => ({ kappa: fleissKappa(fleissCounts(sample.map((image) => image.ratings), classCount)) });
  const { kappa } = kappaOf(images);
  const resampled = kappa === null ? null : groupBootstrap(images, kappaOf, bootstrap).kappa;
  return { n: images.length, kappa, interval: resampled && resampled.high > resampled.low ? resampled : null };
}

/** Fleiss' κ per ISO week of `at`, oldest first, each week with its own interval; images without `at` are left out. */
export function fleissOverTime(images: readonly RatedImage[], classCount: number, bootstrap?: BootstrapOptions): WeeklyFleiss[] {
  const perWeek = { replicates: replicatesFor(images.length), ...bootstrap };
  return byIsoWeek(images).map(([week, inWeek]) => ({ week, ...fleissAgreement(inWeek, classCount, perWeek) }));
}

/** Items by the ISO week of their `at`, oldest week first; items without `at` are left out. */
function byIsoWeek<T extends { at?: string }>(items: readonly T[]): Array<[string, T[]]> {
  const byWeek = new Map<string, T[]>();
  for (const item of items) {
    if (item.at === undefined) continue;
    const week = isoWeek(item.at);
    const inWeek = byWeek.get(week);
    if (inWeek) inWeek.push(item);
    else byWeek.set(week, [item]);
  }
  return [...byWeek.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** The Wilson score interval of a proportion (Wilson 1927), 95% by default; it stays inside [0, 1] and is never one point. */
export function wilsonInterval(successes: number, trials: number, z = 1.959963984540054): Interval {
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`A proportion needs at least one trial (got ${trials}).`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) throw new Error(`${successes} successes of ${trials} trials is not a proportion.`);
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
