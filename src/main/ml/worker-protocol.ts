import type { ErrorCode } from '../../shared/errors';
import type { Progress } from '../../shared/jobs';
import type { TrainOptions } from '../../shared/ml';
import type { EmbedRequest } from './embed';

export type EngineTask =
  | { kind: 'train'; modelId: number }
  | { kind: 'predict'; modelId: number; imageIds?: number[] }
  | { kind: 'lr-find'; projectId: number; options: Partial<TrainOptions> }
  | { kind: 'gradcam'; modelId: number; imageIds: number[]; targetClass: number | null }
  | { kind: 'embed'; modelId: number; request: EmbedRequest };

export type WorkerMessage =
  | { type: 'progress'; progress: Progress }
  | { type: 'result'; value: unknown }
  | { type: 'error'; code: ErrorCode | null; message: string };
