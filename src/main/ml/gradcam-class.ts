// Which class a Grad-CAM explains when none is asked for: the same rule for Review, the Library's jobs and the CLI.
import type { Store } from '../store';

/** A DR grade this probable is a real possibility a grader must see the evidence for. */
export const REAL_POSSIBILITY = 0.2;

/**
 * The class a Grad-CAM explains when none is asked for. For DR grades, the severest grade with a real
 * chance: where the model saw signs of it matters more than why it leans to a milder one. Otherwise the
 * model's prediction (the first label of a multilabel one).
 */
export function defaultGradCamClass(store: Store, modelId: number, imageId: number): { targetClass: number; classFrom: 'prediction' | 'severest' | 'default' } {
  const prediction = store.predictions.forImage(modelId, imageId);
  const predicted = prediction?.predicted;
  if (typeof predicted === 'number' && prediction!.probabilities && store.models.get(modelId).taskKind === 'dr-grade') {
    const severest = prediction!.probabilities.findLastIndex((p) => p >= REAL_POSSIBILITY);
    if (severest > predicted) return { targetClass: severest, classFrom: 'severest' };
  }
  if (typeof predicted === 'number') return { targetClass: predicted, classFrom: 'prediction' };
  if (Array.isArray(predicted) && predicted.length) return { targetClass: predicted[0]!, classFrom: 'prediction' };
  return { targetClass: 0, classFrom: 'default' };
}
