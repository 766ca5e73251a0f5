// The images a model got most wrong, for the evaluation report's gallery: furthest from the reference
// first (grades apart, or labels missed and added), then the most confident in its wrong answer.
import type { LabelValue } from '../../../shared/domain';

export interface ScoredPrediction {
  imageId: number;
  label: LabelValue;
  predicted: LabelValue;
  probabilities: number[] | null;
}

export interface RankedError<T> {
  item: T;
  /** Grades between prediction and reference (single-label: 1 for any wrong class unless `ordered`), or labels missed plus added. */
  distance: number;
  /** The model's probability for what it predicted (multilabel: its mean over the wrong calls); null without probabilities. */
  confidence: number | null;
}

/** Every wrong prediction, the largest errors first; ties go to the lower image id so that the order is stable. */
export function largestErrors<T extends ScoredPrediction>(items: readonly T[], { ordered }: { ordered: boolean }): Array<RankedError<T>> {
  return items
    .flatMap((item) => {
      const ranked = rank(item, ordered);
      return ranked.distance > 0 ? [ranked] : [];
    })
    .sort((a, b) => b.distance - a.distance || (b.confidence ?? 0) - (a.confidence ?? 0) || a.item.imageId - b.item.imageId);
}

function rank<T extends ScoredPrediction>(item: T, ordered: boolean): RankedError<T> {
  const { label, predicted, probabilities } = item;
  if (typeof label === 'number' && typeof predicted === 'number') {
    const distance = label === predicted ? 0 : ordered ? Math.abs(label - predicted) : 1;
    return { item, distance, confidence: probabilities?.[predicted] ?? null };
  }
  const truth = new Set(Array.isArray(label) ? label : [label]);
  const called = new Set(Array.isArray(predicted) ? predicted : [predicted]);
  const wrong = [...new Set([...truth, ...called])].filter((k) => truth.has(k) !== called.has(k));
  // A wrong call's confidence: the probability it gave a label it added, or against one it missed.
  const confidences = probabilities ? wrong.map((k) => (called.has(k) ? probabilities[k]! : 1 - probabilities[k]!)) : [];
  return { item, distance: wrong.length, confidence: confidences.length ? confidences.reduce((a, b) => a + b, 0) / confidences.length : null };
}
