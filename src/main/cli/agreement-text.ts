// `gradedesk agreement` as text: tables of κ with their intervals, the confusion of each pair, κ per week, and the notes.
import type { AgreementFigures, AgreementSummary, WeeklyAgreement } from '../../shared/agreement';
import type { Interval } from '../../shared/ml';
import { table } from './output';

const number = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
const percent = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 100)}%`);

function withInterval(value: number | null, interval: Interval | null | undefined, show = number): string {
  if (value === null) return 'n/a';
  return interval ? `${show(value)} (${show(interval.low)} to ${show(interval.high)})` : `${show(value)} (no interval)`;
}

const figureCells = (f: AgreementFigures) => [
  f.n,
  withInterval(f.kappa, f.intervals.kappa),
  withInterval(f.quadraticKappa, f.intervals.quadraticKappa),
  withInterval(f.percentAgreement, f.intervals.percentAgreement, percent),
];

export function describeAgreement(summary: AgreementSummary): string {
  const parts: string[] = [`Readers: ${summary.readers.length ? summary.readers.join(', ') : 'none'}. Figures with their 95% intervals over patients.\n`];
  const classLabel = (i: number) => (summary.taskKind === 'dr-grade' ? String(i) : summary.classes[i]!);
  if (summary.pairs.length) {
    parts.push(table([['READERS', 'N', 'KAPPA', 'QUADRATIC KAPPA', 'AGREEMENT'], ...summary.pairs.map((p) => [p.readers.join(' - '), ...figureCells(p)])]));
  }
  if (summary.againstReference.length) {
    const referable = summary.taskKind === 'dr-grade';
    parts.push(
      table([
        ['AGAINST THE FINAL LABEL', 'N', 'KAPPA', 'QUADRATIC KAPPA', 'AGREEMENT', ...(referable ? ['SENSITIVITY (GRADE >= 2)', 'SPECIFICITY'] : [])],
        ...summary.againstReference.map((r) => [
          r.kind === 'model' ? `${r.grader} (model)` : r.grader,
          ...figureCells(r),
          ...(referable ? [withInterval(r.sensitivity, r.intervals.sensitivity, percent), withInterval(r.specificity, r.intervals.specificity, percent)] : []),
        ]),
      ]),
    );
  }
  if (summary.fleiss) {
    const { readers, n, kappa, interval } = summary.fleiss;
    parts.push(`Fleiss' kappa over ${readers.length} readers on the ${n} images all of them graded: ${withInterval(kappa, interval)}.\n`);
  }
  const weekly = [
    ...summary.pairs.map((p) => ({ who: p.readers.join(' - '), weeks: p.overTime })),
    ...summary.againstReference.map((r) => ({ who: `${r.kind === 'model' ? `${r.grader} (model)` : r.grader} vs final`, weeks: r.overTime })),
  ].filter((row) => row.weeks.length > 0);
  if (weekly.length) {
    const weekCells = (w: WeeklyAgreement) => [w.week, w.n, withInterval(w.kappa, w.intervals.kappa), withInterval(w.quadraticKappa, w.intervals.quadraticKappa), withInterval(w.percentAgreement, w.intervals.percentAgreement, percent)];
    parts.push(table([['OVER TIME', 'WEEK', 'N', 'KAPPA', 'QUADRATIC KAPPA', 'AGREEMENT'], ...weekly.flatMap(({ who, weeks }) => weeks.map((w) => [who, ...weekCells(w)]))]));
  }
  for (const pair of summary.pairs) {
    const header = [`${pair.readers[0]} \\ ${pair.readers[1]}`, ...summary.classes.map((_, j) => classLabel(j))];
    parts.push(table([header, ...pair.confusion.map((row, i) => [classLabel(i), ...row])]));
  }
  parts.push(summary.notes.map((note) => `- ${note}`).join('\n') + '\n');
  return parts.join('\n');
}
