/**
 * How a model's prediction is put into words and colours. A prediction is an estimate, never a fact:
 * no probability is shown as 0% or 100%, and the most confident words are "fairly confident".
 */
import type { ImageEvent, LabelValue, TaskSpec } from '../../../../shared/domain';

/** P(referable) below this is green, from REFERABLE_HIGH on it is red, amber between. */
export const REFERABLE_LOW = 0.25;
export const REFERABLE_HIGH = 0.75;

export type ReferableBand = 'low' | 'middle' | 'high';

export function referableBand(referable: number | null): ReferableBand | null {
  if (referable === null || !Number.isFinite(referable)) return null;
  if (referable < REFERABLE_LOW) return 'low';
  return referable >= REFERABLE_HIGH ? 'high' : 'middle';
}

/** Above this a probability rounds to certainty, so it is shown as "> 99%" (and its mirror as "< 1%"). */
const NEAR_CERTAIN = 0.995;

/** A probability as a whole percentage: "42%", "> 99%", "< 1%". */
export function formatPercent(probability: number): string {
  if (probability >= NEAR_CERTAIN) return '> 99%';
  if (probability < 1 - NEAR_CERTAIN) return '< 1%';
  return `${Math.round(probability * 100)}%`;
}

/** A probability with two decimals: "0.82", "> 0.99", "< 0.01". */
export function formatProbability(probability: number): string {
  if (probability >= NEAR_CERTAIN) return '> 0.99';
  if (probability < 1 - NEAR_CERTAIN) return '< 0.01';
  return probability.toFixed(2);
}

/** An expected (probability-weighted) or regressed grade, to one decimal. */
export const formatGrade = (value: number): string => value.toFixed(1);

/** "grade", "class" or "label": what the task calls one of its classes. */
export const classWord = (task: TaskSpec): string => (task.kind === 'dr-grade' ? 'grade' : task.kind === 'multiclass' ? 'class' : 'label');
const classesWord = (task: TaskSpec): string => (task.kind === 'multiclass' ? 'classes' : `${classWord(task)}s`);

/** The predicted value in the project's words: "grade 3 (Severe NPDR)", "mel", "labels Nucleoli, Cytosol". */
export function predictedText(task: TaskSpec, predicted: LabelValue): string {
  const name = (index: number) => task.classes[index] ?? String(index);
  if (Array.isArray(predicted)) {
    if (predicted.length === 0) return 'no label';
    return `${predicted.length === 1 ? 'label' : 'labels'} ${predicted.map(name).join(', ')}`;
  }
  return task.kind === 'dr-grade' ? `grade ${predicted} (${name(predicted)})` : name(predicted);
}

export type Certainty = 'uncertain' | 'moderate' | 'confident';

/** Below these margins (top-1 minus top-2 probability) the model is uncertain, or only somewhat sure. */
const UNCERTAIN_MARGIN = 0.2;
const MODERATE_MARGIN = 0.5;
/** From these normalised entropies the probability is spread over several classes. */
const UNCERTAIN_ENTROPY = 0.75;
const MODERATE_ENTROPY = 0.5;

/** The less confident reading of the two measures; null when the model gave neither. */
export function certaintyOf(entropy: number | null, margin: number | null): Certainty | null {
  const levels: Certainty[] = [];
  if (margin !== null) levels.push(margin < UNCERTAIN_MARGIN ? 'uncertain' : margin < MODERATE_MARGIN ? 'moderate' : 'confident');
  if (entropy !== null) levels.push(entropy >= UNCERTAIN_ENTROPY ? 'uncertain' : entropy >= MODERATE_ENTROPY ? 'moderate' : 'confident');
  if (levels.length === 0) return null;
  if (levels.includes('uncertain')) return 'uncertain';
  return levels.includes('moderate') ? 'moderate' : 'confident';
}

const CERTAINTY_WORDS: Record<Certainty, string> = {
  uncertain: 'Uncertain',
  moderate: 'Somewhat uncertain',
  confident: 'Fairly confident, by its own estimate',
};

/** "Uncertain: the top two grades are close (margin 0.12, entropy 0.71)"; null without either measure. */
export function uncertaintyText(task: TaskSpec, entropy: number | null, margin: number | null): string | null {
  const certainty = certaintyOf(entropy, margin);
  if (!certainty) return null;
  // Both lie in [0,1]; shown like probabilities so that a margin of 0.998 does not read as 1.00.
  const measures = [margin === null ? null : `margin ${formatProbability(margin)}`, entropy === null ? null : `entropy ${formatProbability(entropy)}`]
    .filter((part) => part !== null)
    .join(', ');
  let why = '';
  if (margin !== null && margin < UNCERTAIN_MARGIN) why = `: the top two ${classesWord(task)} are close`;
  else if (entropy !== null && entropy >= UNCERTAIN_ENTROPY) why = `: the probability is spread over several ${classesWord(task)}`;
  return `${CERTAINTY_WORDS[certainty]}${why} (${measures})`;
}

/**
 * Whether the image carried a label at `time` (when a model took its training snapshot), from its
 * label history; null when either time cannot be read.
 */
export function labelledAt(events: readonly ImageEvent[], time: string): boolean | null {
  const at = Date.parse(time);
  if (Number.isNaN(at)) return null;
  let latest: { at: number; labelled: boolean } | null = null;
  for (const event of events) {
    if (event.kind !== 'label') continue;
    const eventAt = Date.parse(event.createdAt);
    if (Number.isNaN(eventAt)) return null;
    if (eventAt <= at && (!latest || eventAt >= latest.at)) latest = { at: eventAt, labelled: event.value !== null };
  }
  return latest?.labelled ?? false;
}

/**
 * What the reader should know about how this prediction relates to the model's training data.
 * `labelledWhenTrained` comes from the label history (null when unknown); it only matters when the
 * prediction is not out-of-fold, since then the model may have learned this very image.
 */
export function trainingRelation(outOfFold: boolean, labelledWhenTrained: boolean | null): string {
  if (outOfFold) return 'Out-of-fold (model did not train on this image).';
  if (labelledWhenTrained === true) {
    return 'In the training set: the image was labelled when the model was trained, so the model has probably learned this label and the prediction looks better than it would on a new image.';
  }
  if (labelledWhenTrained === false) return 'Not in the training set: the image had no label when the model was trained.';
  return 'Not out-of-fold: the model may have trained on this image, so the prediction can look better than it would on a new image.';
}

/** Below this share a second grade is not called a possibility of its own. */
const SECOND_POSSIBILITY = 0.25;

export type GradeReading =
  | { kind: 'one'; grade: number; probability: number }
  /** The probability is split between two grades at least two apart: an average of them would be neither. */
  | { kind: 'two'; first: { grade: number; probability: number }; second: { grade: number; probability: number } };

/** How a DR grade prediction should be read: one likely grade, or two possibilities far apart. */
export function gradeReading(probabilities: readonly number[]): GradeReading {
  const ranked = probabilities.map((probability, grade) => ({ grade, probability })).sort((a, b) => b.probability - a.probability);
  const [first, second] = ranked;
  if (second && second.probability >= SECOND_POSSIBILITY && Math.abs(first!.grade - second.grade) >= 2) return { kind: 'two', first: first!, second };
  return { kind: 'one', grade: first!.grade, probability: first!.probability };
}

/** "grade 0 (No DR), 60%, or grade 2 (Moderate NPDR), 40%". */
export function possibilitiesText(task: TaskSpec, reading: Extract<GradeReading, { kind: 'two' }>): string {
  const one = (p: { grade: number; probability: number }) => `${predictedText(task, p.grade)}, ${formatPercent(p.probability)}`;
  return `${one(reading.first)}, or ${one(reading.second)}`;
}
