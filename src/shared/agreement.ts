// How far graders agree: the vocabulary shared by the engine, the CLI and the Agreement view.
import type { TaskKind } from './domain';
import type { Interval } from './ml';

/** The figures of two raters over the images both graded, each with its 95% interval over patients. */
export interface AgreementFigures {
  /** Images both graded. Below `SMALL_SAMPLE` the figures are indicative only, and the intervals say how wide. */
  n: number;
  /** Cohen's κ, unweighted; null when it is undefined (both raters used one and the same class throughout). */
  kappa: number | null;
  /** Cohen's κ with quadratic weights; null for classes without an order (multiclass) or when undefined. */
  quadraticKappa: number | null;
  percentAgreement: number | null;
  /**
   * κ: resampling patients. Proportions: the wider of that and the Wilson score interval over images.
   * Absent where the figure is undefined; null where too few patients, or a resampling that never moved the
   * figure, leave no meaningful interval.
   */
  intervals: Partial<Record<'kappa' | 'quadraticKappa' | 'percentAgreement' | 'sensitivity' | 'specificity', Interval | null>>;
  /** Rows: the first rater's class; columns: the second's (for a grader against the reference, columns are the reference). */
  confusion: number[][];
}

/** The figures of one ISO week, with their intervals: how agreement moves as grading goes on. */
export interface WeeklyAgreement {
  /** ISO 8601 week, e.g. `2026-W49`: the week of the grade that made the comparison possible (see `AgreementSummary.notes`). */
  week: string;
  n: number;
  kappa: number | null;
  quadraticKappa: number | null;
  percentAgreement: number | null;
  /**
   * Referable DR against the final label that week (DR grading, a grader or the model against the final label);
   * null between two readers, and where the week has no referable (or no non-referable) final label.
   */
  sensitivity: number | null;
  specificity: number | null;
  intervals: AgreementFigures['intervals'];
}

/** Fleiss' κ of one ISO week: the images all the readers graded, each in the week of the last of their grades. */
export interface WeeklyFleiss {
  week: string;
  n: number;
  kappa: number | null;
  interval: Interval | null;
}

export interface ReaderPairAgreement extends AgreementFigures {
  readers: [string, string];
  /** Oldest week first; a pair counts in the week of the later of its two grades. */
  overTime: WeeklyAgreement[];
}

/** A reader, or the active model, against the reference label, with referable DR rates when the task is DR grading. */
export interface ReferenceAgreement extends AgreementFigures {
  grader: string;
  kind: 'reader' | 'model';
  /** Referable DR (grade ≥ 2) called by this grader when the reference calls it; null without referable references. */
  sensitivity: number | null;
  specificity: number | null;
  /** Oldest week first: a reader counts in the week of their grade, the model in the week of the final label. */
  overTime: WeeklyAgreement[];
}

/**
 * Where the active model stands: it is compared with the final label only on images it did not train on (its
 * out-of-fold prediction where the image was in its training set, else its prediction). The images left out are counted.
 */
export interface ModelStanding {
  name: string;
  /** Labelled images compared. */
  compared: number;
  /** Labelled images it trained on with no out-of-fold prediction: agreement there would flatter it, so it is not shown. */
  trainedOnWithoutOutOfFold: number;
  /** Images whose final label is an accepted suggestion: the model would agree with itself. */
  acceptedSuggestions: number;
}

export interface FleissAgreement {
  readers: string[];
  /** Images every one of these readers graded. */
  n: number;
  kappa: number | null;
  /** Its 95% interval over patients; null when κ is undefined or too few patients make an interval meaningless. */
  interval: Interval | null;
  /** Oldest week first. */
  overTime: WeeklyFleiss[];
}

export interface AgreementSummary {
  projectId: number;
  taskKind: TaskKind;
  classes: string[];
  /** Readers with at least one current grade in the project. */
  readers: string[];
  pairs: ReaderPairAgreement[];
  /** The reference is each image's current label; see `notes` for what that means. */
  againstReference: ReferenceAgreement[];
  /** Fleiss' κ over the images graded by every reader, when three or more readers graded some images in common. */
  fleiss: FleissAgreement | null;
  /** The active model, if any, and how many images it was or was not compared on; its row is in `againstReference`. */
  model: ModelStanding | null;
  /** Plain sentences: what was compared, what was left out and why, and how much to trust small samples. */
  notes: string[];
}

/** Below this many images a figure is reported, but said to be indicative only. */
export const SMALL_SAMPLE = 30;
