// A finished model's evaluation at a chosen referable operating point (by default its saved referral
// threshold), recomputed from its stored out-of-fold predictions and the labels of its training snapshot.
import { GradedeskError } from '../../../shared/errors';
import type { Evaluation, ModelDetail } from '../../../shared/ml';
import type { Store } from '../../store';
import { snapshotLabels } from '../models/ensemble';
import { evaluate, type EvaluatedImage } from './evaluation';

export function evaluateModel(store: Store, modelId: number, chosen?: number): Evaluation {
  const model = store.models.get(modelId);
  if (!model.evaluation && model.strategy === 'imported') {
    throw new GradedeskError('invalid', `Model ${modelId} was imported from ONNX and trained elsewhere: Gradedesk cannot know which patients it learned from, so it has no evaluation on patients it never saw.`);
  }
  if (!model.evaluation) throw new GradedeskError('invalid', `Model ${modelId} is ${model.status} and has no evaluation yet.`);
  const threshold = chosen ?? model.referralThreshold ?? undefined;
  // The stored evaluation is at the default threshold; intervals came later than some stored evaluations.
  if (threshold === undefined && model.evaluation.intervals) return model.evaluation;
  return evaluate({
    taskKind: model.taskKind,
    head: model.head,
    classes: model.classes,
    basis: model.evaluation.basis,
    images: evaluatedImages(store, model),
    thresholds: model.thresholds,
    threshold,
  });
}

/** The model's out-of-fold predictions of its training snapshot, each with the label it trained on and its patient. */
export function evaluatedImages(store: Store, model: ModelDetail): Array<EvaluatedImage & { imageId: number }> {
  const labels = snapshotLabels(store, model.members ?? [model.id]);
  const groups = new Map(store.images.readable(model.projectId).map((image) => [image.id, image.groupId]));
  const predictions = store.predictions.forModel(model.id, { outOfFoldOnly: true }).filter((p) => labels.has(p.imageId));
  return predictions.map((p) => ({ ...p, label: labels.get(p.imageId)!, group: groups.get(p.imageId) ?? String(p.imageId) }));
}
