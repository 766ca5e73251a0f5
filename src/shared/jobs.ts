import type { TrainingProgress } from './ml';

/** Progress of one long piece of work, as every view and the CLI show it. */
export interface Progress {
  phase: string;
  done: number;
  total: number;
  /** Items per second since the phase started; null until there is something to measure. */
  ratePerSecond: number | null;
  etaSeconds: number | null;
  message?: string;
  /** Training jobs: where in the folds and epochs the run is, and the running loss. */
  training?: TrainingProgress;
}

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

/** What a job does: the renderer follows jobs by their kind. */
export type JobKind = 'import' | 'training' | 'lr-finder' | 'prediction' | 'gradcam' | 'embedding';

/** A long-running job (import, training, prediction, …) as the job runner tracks it. */
export interface JobInfo {
  id: string;
  kind: JobKind;
  title: string;
  /** The project the job works on, if any. */
  projectId: number | null;
  /** What the job was asked to do, for showing it again after a reload (e.g. folder, labelsFile). */
  details: Record<string, string>;
  state: JobState;
  progress: Progress | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}
