// The batch feature extraction gives the backbone. On the processor (wasm, cpu) a larger batch gains
// nothing and delays the first progress; a GPU, or native TensorFlow, wants larger batches to amortise
// each call's dispatch, up to what one WebGPU buffer binding holds.
import type { BackendInfo } from '../../../shared/ml';
import { batchFittingAdapter } from '../training/fine-tune/batch-size';
import { BATCH_SIZE } from './pixel-batches';

export const LARGE_EXTRACTION_BATCH = 32;

export function extractionBatchSize(backend: Pick<BackendInfo, 'backend' | 'adapter'>, inputSize: number): number {
  switch (backend.backend) {
    case 'wasm':
    case 'cpu':
      return BATCH_SIZE;
    case 'webgpu':
      return backend.adapter ? batchFittingAdapter(backend.adapter, inputSize, LARGE_EXTRACTION_BATCH) : LARGE_EXTRACTION_BATCH;
    case 'tensorflow':
    case 'tensorflow-gpu':
      return LARGE_EXTRACTION_BATCH;
  }
}
