// Whether a finished training run makes its model the project's active one. The active model drives the
// Library's AI badges, Review, Triage and similar cases, so a new model takes over only when there is
// none, or when it is better than the active one on the same images.
import { headlineFigures, validationMetricName, type ActivationComparison, type ActivationDecision, type Evaluation, type ModelSummary } from '../../../shared/ml';
import type { Store } from '../../store';
import { measure } from './evaluation';
import { onSameImages } from './model-comparison';

const METRIC_WORDS = { qwk: 'QWK', 'balanced-accuracy': 'balanced accuracy', 'macro-f1': 'macro-F1' } as const;
const figure = (value: number | null) => (value === null ? 'not measurable' : value.toFixed(3));

/**
 * The two models' headline metric on the labelled images both held out, against the images' labels now:
 * the same images, the same labels, the same metric (see model-comparison.ts).
 */
export function compareOnSameImages(store: Store, candidateId: number, incumbent: ModelSummary): ActivationComparison {
  const { a, b, common, rowsA, rowsB, request } = onSameImages(store, candidateId, incumbent.id);
  const metric = validationMetricName(a.taskKind);
  const score = (figures: () => Evaluation): number | null => {
    if (common.length === 0) return null;
    try {
      const value = headlineFigures(figures())[HEADLINE_BY_METRIC[metric]];
      return value !== null && Number.isFinite(value) ? value : null;
    } catch {
      return null;
    }
  };
  return {
    metric,
    images: common.length,
    candidate: score(() => measure(request(a, rowsA, undefined))),
    incumbent: score(() => measure(request(b, rowsB, undefined))),
    incumbentId: incumbent.id,
    incumbentName: incumbent.name,
  };
}

const HEADLINE_BY_METRIC = { qwk: 'qwk', 'balanced-accuracy': 'balancedAccuracy', 'macro-f1': 'macroF1' } as const;

/** Decides whether the finished model `modelId` should become active; changes nothing. */
export function decideActivation(store: Store, modelId: number): ActivationDecision {
  const model = store.models.get(modelId);
  const active = store.models.active(model.projectId);
  if (!active || active.id === modelId) {
    return { activated: true, reason: `“${model.name}” is now the active model: the project had none.`, comparison: null };
  }
  const comparison = compareOnSameImages(store, modelId, active);
  const words = METRIC_WORDS[comparison.metric];
  const figures = `${words} ${figure(comparison.candidate)} against ${figure(comparison.incumbent)} on the same ${comparison.images} labelled image${comparison.images === 1 ? '' : 's'}`;
  if (comparison.candidate === null || comparison.incumbent === null) {
    return {
      activated: false,
      reason: `“${model.name}” was not made active: it could not be compared with the active model “${active.name}” on the same images (${figures}). Use “Make active” to switch anyway.`,
      comparison,
    };
  }
  if (comparison.candidate > comparison.incumbent) {
    return { activated: true, reason: `“${model.name}” is now the active model: it is better than “${active.name}” (${figures}).`, comparison };
  }
  return {
    activated: false,
    reason: `“${model.name}” was not made active: the active model “${active.name}” is ${comparison.candidate === comparison.incumbent ? 'as good' : 'better'} (${figures}). Use “Make active” to switch anyway.`,
    comparison,
  };
}

/** Records the decision on the model, and makes it active when it decided so. */
export function activateIfBetter(store: Store, modelId: number): ActivationDecision {
  const decision = decideActivation(store, modelId);
  store.models.recordActivation(modelId, decision);
  return decision;
}
