/** The headline figures of an evaluation, each with what it was measured on. */
import type { TaskKind } from '../../../../shared/domain';
import type { Evaluation } from '../../../../shared/ml';
import { formatCount, formatMetric, formatPercent, plural } from './format';

export interface HeadlineRow {
  key: 'qwk' | 'accuracy' | 'balanced-accuracy' | 'macro-f1' | 'ece' | 'referable-auc';
  label: string;
  text: string;
  /** "312 images", or for the AUC "312 images (104 referable)". */
  basis: string;
  /** What the figure means, for the row's tooltip. */
  about: string;
}

/** The figures that apply to the task, in a fixed order; an undefined one shows "—". */
export function headlineRows(evaluation: Evaluation, kind: TaskKind): HeadlineRow[] {
  const images = plural(evaluation.samples, 'image');
  const rows: HeadlineRow[] = [];
  if (kind === 'dr-grade') {
    rows.push({ key: 'qwk', label: 'Quadratic weighted kappa', text: formatMetric(evaluation.qwk), basis: images, about: 'Agreement with the reader’s grades, penalising far misses more; 1 is perfect, 0 chance.' });
  }
  if (kind !== 'multilabel') {
    rows.push(
      { key: 'accuracy', label: 'Accuracy', text: formatPercent(evaluation.accuracy), basis: images, about: 'Share of images whose predicted class is the reader’s.' },
      { key: 'balanced-accuracy', label: 'Balanced accuracy', text: formatPercent(evaluation.balancedAccuracy), basis: images, about: 'Mean sensitivity over the classes present, so rare classes count as much as common ones.' },
    );
  }
  rows.push({ key: 'macro-f1', label: 'Macro-F1', text: formatMetric(evaluation.macroF1), basis: images, about: 'Mean F1 over the classes (labels).' });
  if (kind === 'dr-grade') {
    const referable = evaluation.referable;
    rows.push({
      key: 'referable-auc',
      label: 'Referable DR AUC',
      text: formatMetric(referable?.auc),
      basis: referable ? `${plural(referable.positives + referable.negatives, 'image')} (${formatCount(referable.positives)} referable)` : images,
      about: 'Area under the ROC curve for grade ≥ 2 against grade < 2.',
    });
  }
  rows.push({
    key: 'ece',
    label: 'Expected calibration error',
    text: formatMetric(evaluation.calibration?.ece),
    basis: images,
    about: 'Mean gap between the model’s confidence and how often it is right, weighted by bin size; 0 is perfectly calibrated (lower is better).',
  });
  return rows;
}
