/**
 * What Review's Similar cases panel and Evaluate say about a model's embedding: the neighbours' vote,
 * the reader's threshold, whether the vote may be accepted (and why not), and the held-out neighbour
 * accuracy. Shares are never rounded up: a 69.9% vote shows as 69%, below a 70% threshold.
 */
import type { LabelValue, TaskSpec } from '../../../../shared/domain';
import { describeLabel, sameLabel } from '../../../../shared/labels';
import type { EmbeddingSummary, NeighbourAccuracy, NeighbourVote, SimilarCasesAnswer } from '../../../../shared/similar';
import { formatPercent } from '../evaluate/format';
import { plural } from '../format';
import { classWord } from '../predictions/format';

/** The reader's threshold, a whole percentage: below a majority a vote suggests nothing. */
export const THRESHOLD_MIN = 50;
export const THRESHOLD_MAX = 100;

export const SIMILARITY_TITLE =
  'Cosine similarity of the two images’ embeddings, from −1 to 1: how alike the model sees them. It is not a probability and not a diagnosis.';

export const SIMILAR_CAPTION = 'Nearest graded cases of other patients in the model’s embedding; similarity is not a diagnosis.';

const clampThreshold = (percent: number): number => Math.min(THRESHOLD_MAX, Math.max(THRESHOLD_MIN, Math.round(percent)));

/** A threshold typed or stored as a percentage, clamped to 50–100; null when it is not a number. */
export function parseThreshold(text: string | null | undefined): number | null {
  if (text == null || text.trim() === '') return null;
  const percent = Number(text);
  return Number.isFinite(percent) ? clampThreshold(percent) : null;
}

/** The server's suggestion threshold (a fraction) as the reader's default percentage. */
export const defaultThreshold = (answer: Pick<SimilarCasesAnswer, 'threshold'>): number => clampThreshold(answer.threshold * 100);

/**
 * A vote's share as a whole percentage, cut down rather than rounded: it is compared with the reader's
 * threshold, and a 69.9% vote refused at 70% must not read "70%". ("72%")
 */
export const votePercent = (confidence: number): string => `${Math.floor(confidence * 100 + 1e-9)}%`;

/** A similarity with two decimals, sign kept: "0.87", "-0.12". */
export const formatSimilarity = (similarity: number): string => (similarity.toFixed(2) === '-0.00' ? '0.00' : similarity.toFixed(2));

/** A label in the project's words, with "grade" before a DR grade: "grade 3 (Severe NPDR)", "mel". */
export function labelWords(task: TaskSpec, value: LabelValue): string {
  const words = describeLabel(task, value);
  return task.kind === 'dr-grade' && !Array.isArray(value) ? `grade ${words}` : words;
}

/** "Neighbours suggest: grade 3 (Severe NPDR) — 72% of the vote". */
export const suggestionText = (task: TaskSpec, vote: NeighbourVote): string =>
  `Neighbours suggest: ${labelWords(task, vote.label)} — ${votePercent(vote.confidence)} of the vote`;

/** Whether the suggestion agrees with the image's label as it is now (it may have changed since the answer). */
export function agreementText(task: TaskSpec, vote: NeighbourVote, current: LabelValue | null): string {
  const word = task.kind === 'multilabel' ? 'labels' : classWord(task);
  if (current === null) return `This image has no ${word} yet.`;
  if (sameLabel(current, vote.label)) return `Agrees with the current ${word}.`;
  return `Differs from the current ${word}, ${labelWords(task, current)}.`;
}

/** Beside a suggestion found in an embedding that learned this image's own label (no held-out space for it). */
export const ECHO_CAUTION =
  'Caution: this image’s own label helped train the embedding its neighbours were found in, so they may simply repeat that label.';

export type Acceptance = { ok: true; label: LabelValue; minConfidence: number } | { ok: false; reason: string };

/** Whether the reader may accept the neighbours' suggestion for the image now, and why not. */
export function acceptance({
  task,
  answer,
  current,
  thresholdPercent,
  hasReader,
}: {
  task: TaskSpec;
  answer: SimilarCasesAnswer;
  /** The image's label now. */
  current: LabelValue | null;
  thresholdPercent: number;
  hasReader: boolean;
}): Acceptance {
  const vote = answer.suggestion;
  if (answer.neighbours.length === 0) return { ok: false, reason: 'No graded image of another patient to compare with, so there is no suggestion.' };
  if (!vote) return { ok: false, reason: 'None of the neighbours is similar enough to vote, so there is no suggestion.' };
  if (current !== null && sameLabel(current, vote.label)) {
    return { ok: false, reason: `Nothing to accept: the image is already ${labelWords(task, current)}, as the neighbours suggest.` };
  }
  const minConfidence = thresholdPercent / 100;
  if (vote.confidence < minConfidence) {
    return { ok: false, reason: `The neighbours’ vote of ${votePercent(vote.confidence)} is below your threshold of ${thresholdPercent}%.` };
  }
  if (!hasReader) return { ok: false, reason: 'Choose a reader before accepting: every label is recorded under a reader’s name.' };
  return { ok: true, label: vote.label, minConfidence };
}

/** "Top-1 neighbour accuracy on held-out patients: 61% (majority class 44%), 118 images, 5 folds". */
export function neighbourAccuracyText(summary: EmbeddingSummary): string {
  const held = summary.heldOut;
  if (!held) return 'Top-1 neighbour accuracy was not measured: no patients were held out of the model’s training.';
  const accuracy = formatPercent(held.accuracy, { digits: 0 });
  const majority = formatPercent(held.majorityRate, { digits: 0 });
  const line = `Top-1 neighbour accuracy on held-out patients: ${accuracy} (majority class ${majority}), ${plural(held.images, 'image')}, ${plural(held.folds, 'fold')}`;
  return held.accuracy > held.majorityRate ? line : `${line}. That is no better than always answering the commonest label: do not rely on the neighbours' suggestions.`;
}

/** "128-d ArcFace embedding, margin 0.5, scale 30; trained on 52 graded images, one class per label; 60 images embedded". */
export function embeddingFacts(summary: EmbeddingSummary): string {
  const classes = summary.groupBy === 'group' ? 'one class per patient' : 'one class per label';
  return (
    `${summary.embeddingDim}-d ArcFace embedding, margin ${summary.margin}, scale ${summary.scale}; ` +
    `trained on ${plural(summary.trainingImages, 'graded image')}, ${classes}; ${plural(summary.embeddedImages, 'image')} embedded`
  );
}

/**
 * Review's warning beside a suggestion when, on held-out patients, the nearest case's label did no
 * better than always answering the commonest label; null when it did better or was not measured.
 */
export function neighbourCaution(heldOut: NeighbourAccuracy | null): string | null {
  if (!heldOut || heldOut.accuracy > heldOut.majorityRate) return null;
  const accuracy = formatPercent(heldOut.accuracy, { digits: 0 });
  const majority = formatPercent(heldOut.majorityRate, { digits: 0 });
  return `Caution: on held-out patients the nearest case's label was right ${accuracy} of the time, no better than always answering the commonest label (${majority}).`;
}
