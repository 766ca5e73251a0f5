/** The project's models as the Train view lists them, and which actions each allows. */
import type { JobSnapshot } from '../../../../shared/api';
import type { ModelStatus, ModelSummary } from '../../../../shared/ml';
import { formatMetric, formatPercent, NONE } from '../evaluate/format';
import { plural } from '../format';

export const STATUS_NAMES: Record<ModelStatus, string> = {
  training: 'Training',
  ready: 'Ready',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

/** A cancelled or interrupted run goes on from its last completed epoch. */
export const canResume = (model: Pick<ModelSummary, 'status'> | null | undefined): boolean =>
  model?.status === 'interrupted' || model?.status === 'cancelled';

/** Only a finished model predicts. */
export const canActivate = (model: Pick<ModelSummary, 'status' | 'active'>): boolean => model.status === 'ready' && !model.active;

export interface HeadlineCell {
  key: 'qwk' | 'auc' | 'balanced' | 'f1';
  label: string;
  text: string;
}

/** QWK, referable AUC, balanced accuracy and macro-F1, each "—" when the model has no such figure. */
export function headlineCells(model: Pick<ModelSummary, 'metrics'>): HeadlineCell[] {
  const m = model.metrics;
  return [
    { key: 'qwk', label: 'QWK', text: formatMetric(m?.qwk) },
    { key: 'auc', label: 'Referable AUC', text: formatMetric(m?.referableAuc) },
    { key: 'balanced', label: 'Balanced accuracy', text: formatPercent(m?.balancedAccuracy) },
    { key: 'f1', label: 'Macro-F1', text: formatMetric(m?.macroF1) },
  ];
}

/** What the headline figures were measured on: "n = 312 images", or why there are none. */
export function metricsBasis(model: Pick<ModelSummary, 'metrics' | 'status'>): string {
  if (model.metrics) return plural(model.metrics.samples, 'image');
  return model.status === 'ready' ? 'not evaluated' : NONE;
}

export function deleteQuestion(model: Pick<ModelSummary, 'name' | 'active' | 'status'>): string {
  const active = model.active ? ' It is the active model: the Library and Review will show no predictions until another is activated.' : '';
  const running = model.status === 'training' ? ' It is still training; cancel the run first.' : '';
  return `Delete the model “${model.name}” with its weights, curves and evaluation? This cannot be undone.${active}${running}`;
}

/** The model to show when none is chosen: the active one, else the newest. */
export function defaultModelId(models: readonly ModelSummary[]): number | null {
  const active = models.find((model) => model.active);
  if (active) return active.id;
  const newest = [...models].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id)[0];
  return newest?.id ?? null;
}

/** Evaluate's default: the active model, else the newest ready one. */
export function defaultEvaluatedId(models: readonly ModelSummary[]): number | null {
  return defaultModelId(models.filter((model) => model.active || model.status === 'ready'));
}

/** A training job's model: from its live progress, else from what it was asked (`details.modelId`). */
export function modelIdOf(job: JobSnapshot | null): number | null {
  if (!job) return null;
  if (job.progress?.training) return job.progress.training.modelId;
  const id = Number(job.details.modelId);
  return Number.isInteger(id) && id > 0 ? id : null;
}
