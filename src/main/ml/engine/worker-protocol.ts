import type { ErrorCode } from '../../../shared/errors';
import type { JobKind, Progress } from '../../../shared/jobs';
import type { LearningRateFinding, TrainOptions } from '../../../shared/ml';
import type { EmbedOutcome, EmbedRequest } from '../embeddings/embed';
import type { RenderedGradCam } from '../explain/gradcam-render';
import type { PredictionOutcome } from '../models/predict';
import type { TrainingOutcome } from '../training/training-run';

/** The jobs the engine runs in its worker thread: every kind but imports. */
export type EngineJobKind = Exclude<JobKind, 'import'>;

/** What each engine job is asked and what it answers, by its job kind. */
export interface EngineJobs {
  training: { request: { modelId: number }; result: TrainingOutcome };
  prediction: { request: { modelId: number; imageIds?: number[] }; result: PredictionOutcome };
  'lr-finder': { request: { projectId: number; options: Partial<TrainOptions> }; result: LearningRateFinding };
  gradcam: { request: { modelId: number; imageIds: number[]; targetClass: number | null }; result: RenderedGradCam[] };
  embedding: { request: { modelId: number; request: EmbedRequest }; result: EmbedOutcome };
}

/** One engine task as the worker receives it: its job kind and what it is asked (a union of every kind by default). */
export type EngineTask<K extends EngineJobKind = EngineJobKind> = K extends EngineJobKind ? { kind: K } & EngineJobs[K]['request'] : never;
export type EngineResult<K extends EngineJobKind> = EngineJobs[K]['result'];

export type WorkerMessage =
  | { type: 'progress'; progress: Progress }
  | { type: 'result'; value: unknown }
  | { type: 'error'; code: ErrorCode | null; message: string };
