// `gradedesk agreement` as text: tables of κ with their intervals, the confusion of each pair, the figures per week, and the notes.
import type { AgreementFigures, AgreementSummary, WeeklyAgreement } from '../../shared/agreement';
import type { Interval } from '../../shared/ml';
import { table } from './output';

const number = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
const percent = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 100)}%`);

function withInterval(value: number | null, interval: Interval | null | undefined, show = number): string {
  if (value === null) return 'n/a';
  return interval ? `${show(value)} (${show(interval.low)} to ${show(interval.high)})` : `${show(value)} (no interval)`;
}

const figureCells = (f: Omit<AgreementFigures, 'confusion'>) => [
  f.n,
  withInterval(f.kappa, f.intervals.kappa),
  withInterval(f.quadraticKappa, f.intervals.quadraticKappa),
  withInterval(f.percentAgreement, f.intervals.percentAgreement, percent),
];

const weekCells = (w: WeeklyAgreement) => [w.week, ...figureCells(w)];
const rateCells = (r: Pick<WeeklyAgreement, 'sensitivity' | 'specificity' | 'intervals'>) => [
  withInterval(r.sensitivity, r.intervals.sensitivity, percent),
  withInterval(r.specificity, r.intervals.specificity, percent),
];

export function describeAgreement(summary: AgreementSummary): string {
  const parts: string[] = [`Readers: ${summary.readers.length ? summary.readers.join(', ') : 'none'}. Figures with their 95% intervals over patients.\n`];
  const classLabel = (i: number) => (summary.taskKind === 'dr-grade' ? String(i) : summary.classes[i]!);
  // Referable DR rates: for a grader or the model against the final label in DR grading; blank for a pair or Fleiss' κ.
  const referable = summary.taskKind === 'dr-grade';
  const blankRates = referable ? ['', ''] : [];
  if (summary.pairs.length) {
    parts.push(table([['READERS', 'N', 'KAPPA', 'QUADRATIC KAPPA', 'AGREEMENT'], ...summary.pairs.map((p) => [p.readers.join(' - '), ...figureCells(p)])]));
  }
  if (summary.againstReference.length) {
    parts.push(
      table([
        ['AGAINST THE FINAL LABEL', 'N', 'KAPPA', 'QUADRATIC KAPPA', 'AGREEMENT', ...(referable ? ['SENSITIVITY (GRADE >= 2)', 'SPECIFICITY'] : [])],
        ...summary.againstReference.map((r) => [
          r.kind === 'model' ? `${r.grader} (model)` : r.grader,
          ...figureCells(r),
          ...(referable ? rateCells(r) : []),
        ]),
      ]),
    );
  }
  if (summary.fleiss) {
    const { readers, n, kappa, interval } = summary.fleiss;
    parts.push(`Fleiss' kappa over ${readers.length} readers on the ${n} images all of them graded: ${withInterval(kappa, interval)}.\n`);
  }
  const weekly = [
    ...summary.pairs.map((p) => ({ who: p.readers.join(' - '), weeks: p.overTime.map((w) => [...weekCells(w), ...blankRates]) })),
    ...summary.againstReference.map((r) => ({
      who: `${r.kind === 'model' ? `${r.grader} (model)` : r.grader} vs final`,
      weeks: r.overTime.map((w) => [...weekCells(w), ...(referable ? rateCells(w) : [])]),
    })),
    ...(summary.fleiss
      ? [{ who: `Fleiss (${summary.fleiss.readers.length} readers)`, weeks: summary.fleiss.overTime.map((w) => [w.week, w.n, withInterval(w.kappa, w.interval), '', '', ...blankRates]) }]
      : []),
  ].filter((row) => row.weeks.length > 0);
  if (weekly.length) {
    const header = ['OVER TIME', 'WEEK', 'N', 'KAPPA', 'QUADRATIC KAPPA', 'AGREEMENT', ...(referable ? ['SENSITIVITY (GRADE >= 2)', 'SPECIFICITY'] : [])];
    parts.push(table([header, ...weekly.flatMap(({ who, weeks }) => weeks.map((cells) => [who, ...cells]))]));
  }
  for (const pair of summary.pairs) {
    const header = [`${pair.readers[0]} \\ ${pair.readers[1]}`, ...summary.classes.map((_, j) => classLabel(j))];
    parts.push(table([header, ...pair.confusion.map((row, i) => [classLabel(i), ...row])]));
  }
  parts.push(summary.notes.map((note) => `- ${note}`).join('\n') + '\n');
  return parts.join('\n');
}
