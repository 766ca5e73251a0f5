// The triage queue's vocabulary, shared by the engine, the CLI and the Triage view.
import type { LabelValue, ViewPosition } from './domain';

/** The orders a reader can work through the active model's predictions in. */
export const TRIAGE_ORDERS = ['referable', 'uncertainty', 'disagreement', 'top-loss', 'label-errors'] as const;
export type TriageOrder = (typeof TRIAGE_ORDERS)[number];

export interface TriageOrderInfo {
  title: string;
  /** What the order puts first, in one sentence. */
  description: string;
  /** The score's name, as "chance of referable DR 0.91" shows it; every order puts the highest score first. */
  scoreName: string;
}

export const TRIAGE_ORDER_INFO: Record<TriageOrder, TriageOrderInfo> = {
  referable: {
    title: 'Referable first',
    description: 'Highest chance of referable DR (grade 2 or worse) first.',
    scoreName: 'chance of referable DR',
  },
  uncertainty: {
    title: 'Most uncertain first',
    description: 'Images the model is least sure about first: its probability spread over several classes, the top two close (entropy).',
    scoreName: 'uncertainty',
  },
  disagreement: {
    title: 'Model–reader disagreement',
    description: 'Graded images whose label is furthest from the model’s grade first (DR: grades apart; ties by how far its expected grade is); images where they agree come last.',
    scoreName: 'disagreement',
  },
  'top-loss': {
    title: 'Labels the model finds least likely',
    description:
      'Graded images whose label the model, which did not train on them, found least likely first; the score is its surprise at the label (−log of the probability it gave it, the loss).',
    scoreName: 'surprise',
  },
  'label-errors': {
    title: 'Possible label errors',
    description:
      'Graded images whose label the model doubts as strongly as it is sure of typical images of another class, most doubtful first: doubt is the chance it puts on anything but the label (confident learning, on predictions for images it did not train on).',
    scoreName: 'doubt',
  },
};

/** One image of a triage queue, with the active model's prediction and why it stands where it does. */
export interface TriageItem {
  imageId: number;
  fileName: string;
  /** The reader's current label. */
  label: LabelValue | null;
  predicted: LabelValue;
  referable: number | null;
  expected: number | null;
  entropy: number | null;
  margin: number | null;
  /** The quantity the queue is ordered by, highest first (TRIAGE_ORDER_INFO names it). */
  score: number;
  /** The score in words: "P(referable) 0.91", "labelled grade 0, but P(grade 3) 0.81 …". */
  reason: string;
  /** A reader graded (or accepted) it since the model was created. */
  reviewed: boolean;
  /** The reader's label differs from the model's prediction. */
  disagrees: boolean;
  /** P(referable) at or above the model's referral threshold; null without a P(referable). */
  referred: boolean | null;
}

export interface TriageCounts {
  /** Images of the queue a reader graded since the model was created. */
  reviewed: number;
  remaining: number;
  total: number;
}

export interface TriagePage extends TriageCounts {
  items: TriageItem[];
  modelId: number;
  /** The active model's name, as the Train view and Evaluate show it. */
  modelName: string;
  /** The P(referable) at and above which the model refers an eye (its saved threshold, or 0.5). */
  referralThreshold: number;
  order: TriageOrder;
  /** Where `items` starts in the queue (reviewed images left out unless asked for). */
  offset: number;
  /** Images in the queue as asked for: `remaining`, or `total` with reviewed images included. */
  length: number;
}

/**
 * Where an image stands in a queue, with the queue's counts. `index` is -1 when the image is not in
 * the queue as asked for (e.g. reviewed, with reviewed images left out); `total` counts that queue.
 */
export interface TriagePosition extends ViewPosition {
  order: TriageOrder;
  modelId: number;
  counts: TriageCounts;
}

/**
 * A probability (or another quantity in [0, 1]) to two decimals; an estimate is never shown as
 * certain, so what rounds to 0 or 1 reads "< 0.01" or "> 0.99".
 */
export function probabilityText(value: number): string {
  if (value >= 0.995) return '> 0.99';
  if (value < 0.005) return '< 0.01';
  return value.toFixed(2);
}

/** A score as the queue shows it: "chance of referable DR 0.91", "surprise 2.30". */
export function scoreText(order: TriageOrder, score: number): string {
  const bounded = order === 'referable' || order === 'uncertainty' || order === 'label-errors';
  return `${TRIAGE_ORDER_INFO[order].scoreName} ${bounded ? probabilityText(score) : score.toFixed(2)}`;
}
