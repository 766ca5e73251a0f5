/** Two models compared on the same images and labels, in words and table rows. */
import type { ComparedMetric, ModelComparison } from '../../../../shared/ml';
import { FIGURE_STYLE, FIGURE_WORDS, formatFigure } from './headline';
import { plural } from '../format';

export interface ComparisonRow {
  metric: ComparedMetric['metric'];
  label: string;
  term: string;
  a: string;
  b: string;
  /** "+0.041 (−0.012 to +0.093)". */
  difference: string;
  /** The model the whole interval favours, or null when it includes no difference. */
  favours: 'a' | 'b' | null;
}

const LOWER_IS_BETTER = new Set<ComparedMetric['metric']>(['ece']);

function signed(metric: ComparedMetric['metric'], value: number): string {
  const text = formatFigure(metric, Math.abs(value));
  const zero = Number(text.replace('%', '')) === 0;
  return `${zero ? '±' : value > 0 ? '+' : '−'}${FIGURE_STYLE[metric] === 'percent' ? text.replace('%', ' pts') : text}`;
}

export function comparisonRows(comparison: ModelComparison): ComparisonRow[] {
  return comparison.metrics.map((m) => {
    const better = (difference: number) => (LOWER_IS_BETTER.has(m.metric) ? -difference : difference);
    const favours = m.interval === null ? null : better(m.interval.low) > 0 && better(m.interval.high) > 0 ? 'a' : better(m.interval.low) < 0 && better(m.interval.high) < 0 ? 'b' : null;
    return {
      metric: m.metric,
      label: FIGURE_WORDS[m.metric].label,
      term: FIGURE_WORDS[m.metric].term,
      a: formatFigure(m.metric, m.a),
      b: formatFigure(m.metric, m.b),
      difference: m.difference === null ? '—' : `${signed(m.metric, m.difference)}${m.interval ? ` (${signed(m.metric, m.interval.low)} to ${signed(m.metric, m.interval.high)})` : ''}`,
      favours,
    };
  });
}

/** What the comparison was measured on, and what was left out, in a sentence or two. */
export function comparisonBasis(comparison: ModelComparison, nameA: string, nameB: string): string {
  const parts = [`Compared on the ${plural(comparison.images, 'image')} of ${plural(comparison.groups, 'patient')} that both models held out, with the labels they have now.`];
  const leftOut = [
    comparison.onlyA > 0 ? `${plural(comparison.onlyA, 'image')} held out by ${nameA} only` : '',
    comparison.onlyB > 0 ? `${plural(comparison.onlyB, 'image')} held out by ${nameB} only` : '',
  ].filter(Boolean);
  if (leftOut.length) parts.push(`Left out: ${leftOut.join(' and ')}.`);
  const relabelled = [
    comparison.relabelledSinceA > 0 ? `${plural(comparison.relabelledSinceA, 'label')} changed since ${nameA} was trained` : '',
    comparison.relabelledSinceB > 0 ? `${plural(comparison.relabelledSinceB, 'label')} changed since ${nameB} was trained` : '',
  ].filter(Boolean);
  if (relabelled.length) parts.push(`${relabelled.join('; ')}: each model's own column below still counts the old labels, so its figures differ from these.`);
  return parts.join(' ');
}
