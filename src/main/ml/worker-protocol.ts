import type { ErrorCode } from '../../shared/errors';
import type { Progress } from '../../shared/jobs';
import type { TrainOptions } from '../../shared/ml';

export type EngineTask =
  | { kind: 'train'; modelId: number }
  | { kind: 'predict'; modelId: number; imageIds?: number[] }
  | { kind: 'lr-find'; projectId: number; options: Partial<TrainOptions> }
  | { kind: 'gradcam'; modelId: number; imageIds: number[]; targetClass: number | null };

export type WorkerMessage =
  | { type: 'progress'; progress: Progress }
  | { type: 'result'; value: unknown }
  | { type: 'error'; code: ErrorCode | null; message: string };
