/** The headline figures of an evaluation, each with its 95% interval and what it was measured on. */
import type { TaskKind } from '../../../../shared/domain';
import type { Evaluation, HeadlineMetric, Interval } from '../../../../shared/ml';
import { formatMetric, formatPercent } from './format';
import { formatCount, plural } from '../format';

export interface HeadlineRow {
  key: 'qwk' | 'accuracy' | 'balanced-accuracy' | 'macro-f1' | 'ece' | 'referable-auc';
  metric: HeadlineMetric;
  /** In a clinician's words; the technical term follows in `term`. */
  label: string;
  term: string;
  text: string;
  /** "0.71–0.85", "—" when there is no interval. */
  interval: string;
  /** "312 images", or for the AUC "312 images (104 referable)". */
  basis: string;
  /** What the figure means, for the row's tooltip. */
  about: string;
}

/** How each figure is written: a decimal, or a percentage. */
export const FIGURE_STYLE: Record<HeadlineMetric, 'decimal' | 'percent'> = {
  qwk: 'decimal',
  accuracy: 'percent',
  balancedAccuracy: 'percent',
  macroF1: 'decimal',
  referableAuc: 'decimal',
  sensitivity: 'percent',
  specificity: 'percent',
  ece: 'decimal',
};

export const formatFigure = (metric: HeadlineMetric, value: number | null | undefined): string =>
  FIGURE_STYLE[metric] === 'percent' ? formatPercent(value) : formatMetric(value);

/** "0.71–0.85" or "61.2–74.0%"; "—" without an interval. */
export function formatInterval(metric: HeadlineMetric, interval: Interval | null | undefined): string {
  if (!interval) return '—';
  if (FIGURE_STYLE[metric] === 'percent') return `${formatPercent(interval.low).replace('%', '')}–${formatPercent(interval.high)}`;
  return `${formatMetric(interval.low)}–${formatMetric(interval.high)}`;
}

/** Each headline figure's words: a clinician's first, the technical term after. */
export const FIGURE_WORDS: Record<HeadlineMetric, { label: string; term: string; about: string }> = {
  qwk: {
    label: 'Agreement with the readers’ grades',
    term: 'quadratic weighted kappa (QWK)',
    about: 'How closely the model’s grades follow the readers’, counting far misses (0 for a 4) much more than near ones; 1 is perfect, 0 no better than chance.',
  },
  accuracy: { label: 'Same class as the reader', term: 'accuracy', about: 'Share of images whose predicted class is the reader’s.' },
  balancedAccuracy: {
    label: 'Same class as the reader, rare classes weighed equally',
    term: 'balanced accuracy',
    about: 'Mean sensitivity over the classes present, so rare classes count as much as common ones.',
  },
  macroF1: { label: 'Balance of missed and false findings, per class', term: 'macro-F1', about: 'Mean F1 over the classes (labels): 1 when nothing is missed and nothing is added.' },
  referableAuc: {
    label: 'Telling referable DR from the rest',
    term: 'area under the ROC curve (AUC), grade ≥ 2',
    about: 'The chance that a referable eye (grade 2 or worse) scores higher than a non-referable one; 0.5 is chance, 1 perfect.',
  },
  sensitivity: { label: 'Referable eyes referred', term: 'sensitivity', about: 'Share of referable eyes (grade ≥ 2) the model refers at the operating point.' },
  specificity: { label: 'Other eyes not referred', term: 'specificity', about: 'Share of eyes below grade 2 the model does not refer at the operating point.' },
  ece: {
    label: 'Gap between stated and actual confidence',
    term: 'expected calibration error (ECE)',
    about: 'Mean gap between the model’s confidence and how often it is right, weighted by bin size; 0 is perfectly calibrated (lower is better).',
  },
};

/** The figures that apply to the task, in a fixed order; an undefined one shows "—". */
export function headlineRows(evaluation: Evaluation, kind: TaskKind): HeadlineRow[] {
  const images = plural(evaluation.samples, 'image');
  const row = (key: HeadlineRow['key'], metric: HeadlineMetric, value: number | null | undefined, basis = images): HeadlineRow => ({
    key,
    metric,
    ...FIGURE_WORDS[metric],
    text: formatFigure(metric, value),
    interval: formatInterval(metric, evaluation.intervals?.[metric]),
    basis,
  });
  const rows: HeadlineRow[] = [];
  if (kind === 'dr-grade') rows.push(row('qwk', 'qwk', evaluation.qwk));
  if (kind !== 'multilabel') rows.push(row('accuracy', 'accuracy', evaluation.accuracy), row('balanced-accuracy', 'balancedAccuracy', evaluation.balancedAccuracy));
  rows.push(row('macro-f1', 'macroF1', evaluation.macroF1));
  if (kind === 'dr-grade') {
    const referable = evaluation.referable;
    const basis = referable ? `${plural(referable.positives + referable.negatives, 'image')} (${formatCount(referable.positives)} referable)` : images;
    rows.push(row('referable-auc', 'referableAuc', referable?.auc, basis));
  }
  rows.push(row('ece', 'ece', evaluation.calibration?.ece));
  return rows;
}
