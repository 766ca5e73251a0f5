// Whether a finished training run makes its model the project's active one. The active model drives the
// Library's AI badges, Review, Triage and similar cases, so a new model takes over only when there is
// none, or when it is better than the active one on the same images.
import type { LabelValue } from '../../shared/domain';
import { validationMetricName, type ActivationDecision, type ModelComparison, type ModelSummary, type Prediction } from '../../shared/ml';
import type { Store } from '../store';
import { balancedAccuracy, macroF1, quadraticWeightedKappa } from './metrics';

const METRIC_WORDS = { qwk: 'QWK', 'balanced-accuracy': 'balanced accuracy', 'macro-f1': 'macro-F1' } as const;
const figure = (value: number | null) => (value === null ? 'not measurable' : value.toFixed(3));

/**
 * The two models' headline metric on the labelled images both have an out-of-fold prediction for,
 * against the images' labels now: the same images, the same labels, the same metric.
 */
export function compareOnSameImages(store: Store, candidateId: number, incumbent: ModelSummary): ModelComparison {
  const candidate = store.models.get(candidateId);
  const metric = validationMetricName(candidate.taskKind);
  const labels = new Map<number, LabelValue>();
  for (const image of store.images.readable(candidate.projectId)) if (image.label !== null) labels.set(image.id, image.label);
  const outOfFold = (modelId: number) =>
    new Map(store.predictions.forModel(modelId, { outOfFoldOnly: true }).filter((p) => labels.has(p.imageId)).map((p) => [p.imageId, p]));
  const mine = outOfFold(candidateId);
  const theirs = outOfFold(incumbent.id);
  const shared = [...mine.keys()].filter((imageId) => theirs.has(imageId));
  const score = (predictions: Map<number, Prediction>) =>
    headlineMetric(metric, candidate.classes.length, shared.map((imageId) => ({ label: labels.get(imageId)!, predicted: predictions.get(imageId)!.predicted })));
  return {
    metric,
    images: shared.length,
    candidate: score(mine),
    incumbent: score(theirs),
    incumbentId: incumbent.id,
    incumbentName: incumbent.name,
  };
}

function headlineMetric(metric: ModelComparison['metric'], classCount: number, pairs: Array<{ label: LabelValue; predicted: LabelValue }>): number | null {
  if (pairs.length === 0) return null;
  try {
    if (metric === 'macro-f1') {
      const asFlags = (value: LabelValue) => Array.from({ length: classCount }, (_, index) => (value as number[]).includes(index));
      return macroF1(pairs.map((p) => asFlags(p.label)), pairs.map((p) => asFlags(p.predicted)));
    }
    const truth = pairs.map((p) => p.label as number);
    const predicted = pairs.map((p) => p.predicted as number);
    const value = metric === 'qwk' ? quadraticWeightedKappa(truth, predicted, classCount) : balancedAccuracy(truth, predicted, classCount);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

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
