/** The few lines a finished training run ends with: which model, how long, and how good on held-out images. */
import type { JobSnapshot } from '../../../../shared/api';
import type { ModelSummary } from '../../../../shared/ml';
import { formatMetric, formatPercent } from '../evaluate/format';
import { formatDuration, plural } from '../format';

export function runSummary(job: JobSnapshot, model: ModelSummary | null): string | null {
  if (job.kind !== 'training' || job.state !== 'done' || !model) return null;
  const seconds = job.finishedAt ? Math.max(0, (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000) : null;
  const took = seconds === null || Number.isNaN(seconds) ? '' : ` in ${formatDuration(seconds)}`;
  const m = model.metrics;
  if (!m) return `“${model.name}” finished${took}; it has no evaluation.`;
  const figures = [
    m.qwk !== null ? `agreement with the readers’ grades ${formatMetric(m.qwk)} (QWK)` : null,
    m.referableAuc !== null ? `telling referable DR from the rest ${formatMetric(m.referableAuc)} (AUC)` : null,
    m.qwk === null && m.balancedAccuracy !== null ? `same class as the reader ${formatPercent(m.balancedAccuracy)} (balanced accuracy)` : null,
    m.qwk === null && m.balancedAccuracy === null && m.macroF1 !== null ? `macro-F1 ${formatMetric(m.macroF1)}` : null,
  ].filter((part): part is string => part !== null);
  return `“${model.name}” finished${took}. On ${plural(m.samples, 'image')} it did not train on: ${figures.join(', ')}. Evaluate has the intervals and the full picture.`;
}
