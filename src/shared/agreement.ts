// How far graders agree: the vocabulary shared by the engine, the CLI and (later) the Agreement view.
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

export interface ReaderPairAgreement extends AgreementFigures {
  readers: [string, string];
}

/** A reader, or the active model, against the reference label, with referable DR rates when the task is DR grading. */
export interface ReferenceAgreement extends AgreementFigures {
  grader: string;
  kind: 'reader' | 'model';
  /** Referable DR (grade ≥ 2) called by this grader when the reference calls it; null without referable references. */
  sensitivity: number | null;
  specificity: number | null;
}

export interface FleissAgreement {
  readers: string[];
  /** Images every one of these readers graded. */
  n: number;
  kappa: number | null;
  /** Its 95% interval over patients; null when κ is undefined or too few patients make an interval meaningless. */
  interval: Interval | null;
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
  /** Plain sentences: what was compared, what was left out and why, and how much to trust small samples. */
  notes: string[];
}

/** Below this many images a figure is reported, but said to be indicative only. */
export const SMALL_SAMPLE = 30;
