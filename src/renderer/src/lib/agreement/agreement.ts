/** The Agreement view's words and numbers: intervals, empty states, the pair chooser and the weekly sparkline. */
import type { AgreementSummary, ReaderPairAgreement, WeeklyAgreement, WeeklyFleiss } from '../../../../shared/agreement';
import type { Events } from '../../../../shared/api';
import type { Interval } from '../../../../shared/ml';
import { formatMetric, formatPercent, NONE } from '../evaluate/format';

/** "0.42–0.81"; "none" where the figure has no meaningful interval (too few patients); "—" where it is undefined. */
export function formatKappaInterval(value: number | null, interval: Interval | null | undefined): string {
  if (value === null) return NONE;
  return interval ? `${formatMetric(interval.low)}–${formatMetric(interval.high)}` : 'none';
}

export function formatPercentInterval(value: number | null, interval: Interval | null | undefined): string {
  if (value === null) return NONE;
  return interval ? `${formatPercent(interval.low).replace('%', '')}–${formatPercent(interval.high)}` : 'none';
}

/** What changes the figures: grades and final labels, ungradable calls, the model's predictions, new images. */
const MEASURED: ReadonlySet<Events['data.changed']['what']> = new Set(['labels', 'flags', 'predictions', 'images']);

/** Whether a change made anywhere (this window, another, the CLI, a finished job) may change this project's agreement. */
export const changesAgreement = (change: Events['data.changed'], projectId: number): boolean =>
  (change.projectId === null || change.projectId === projectId) && MEASURED.has(change.what);

export const pairName = (pair: Pick<ReaderPairAgreement, 'readers'>): string => `${pair.readers[0]} – ${pair.readers[1]}`;

/**
 * Why there is nothing to show in a part of the view, in words; null when there is something.
 * `part` is the pairs table or the table against the final label.
 */
export function emptySentence(summary: AgreementSummary, part: 'pairs' | 'final'): string | null {
  const { readers } = summary;
  if (part === 'pairs') {
    if (summary.pairs.length) return null;
    if (readers.length === 0) return 'No grader has graded this project yet: there is nothing to compare.';
    if (readers.length === 1) return `Only one grader (${readers[0]}) has graded this project: there is no second grader to compare with.`;
    return 'No two graders have graded the same image yet.';
  }
  if (summary.againstReference.length) return null;
  if (readers.length === 0 && !summary.model) return 'No grader has graded this project yet, and it has no active model.';
  return 'No grader has graded an image whose final label is someone else’s, and no model is compared.';
}

/** The rows of the against-final table, readers first then the model, each marked. */
export function finalLabelRows(summary: AgreementSummary) {
  return summary.againstReference.map((row) => ({ ...row, isModel: row.kind === 'model' }));
}

export interface TrendLine {
  who: string;
  isModel: boolean;
  /** A grader or the model against the final label in DR grading: its weeks carry referable sensitivity and specificity. */
  hasRates: boolean;
  weeks: WeeklyAgreement[];
}

/** A week of Fleiss' κ as a row of the trend table: its κ and interval, no other figure. */
const fleissWeek = ({ week, n, kappa, interval }: WeeklyFleiss): WeeklyAgreement => ({
  week,
  n,
  kappa,
  quadraticKappa: null,
  percentAgreement: null,
  sensitivity: null,
  specificity: null,
  intervals: kappa === null ? {} : { kappa: interval },
});

/** Every pair, every grader against the final label, and Fleiss' κ, that has weeks, for the trend table. */
export function trendLines(summary: AgreementSummary): TrendLine[] {
  const referable = summary.taskKind === 'dr-grade';
  const { fleiss } = summary;
  return [
    ...summary.pairs.map((pair) => ({ who: pairName(pair), isModel: false, hasRates: false, weeks: pair.overTime })),
    ...summary.againstReference.map((row) => ({ who: `${row.grader} vs final label`, isModel: row.kind === 'model', hasRates: referable, weeks: row.overTime })),
    ...(fleiss ? [{ who: `Fleiss’ κ (${fleiss.readers.join(', ')})`, isModel: false, hasRates: false, weeks: fleiss.overTime.map(fleissWeek) }] : []),
  ].filter((line) => line.weeks.length > 0);
}

/**
 * The sparkline of κ by week as SVG polyline points in a `width` × `height` box: κ from −1 (bottom) to 1 (top),
 * weeks evenly spaced; a week with an undefined κ breaks the line (one string per unbroken run).
 */
export function sparklineRuns(weeks: readonly WeeklyAgreement[], width: number, height: number): string[] {
  const x = (i: number) => (weeks.length === 1 ? width / 2 : (i / (weeks.length - 1)) * width);
  const y = (kappa: number) => ((1 - Math.max(-1, Math.min(1, kappa))) / 2) * height;
  const runs: string[][] = [[]];
  weeks.forEach((week, i) => {
    if (week.kappa === null) runs.push([]);
    else runs.at(-1)!.push(`${round(x(i))},${round(y(week.kappa))}`);
  });
  return runs.filter((run) => run.length > 0).map((run) => run.join(' '));
}

const round = (v: number) => Math.round(v * 10) / 10;
