// The batch a fine-tuning step can take on a GPU adapter. WebGPU keeps every tensor in one storage
// buffer, and a shader can bind at most maxStorageBufferBindingSize bytes of it: the largest activation
// of the batch must fit. In MobileNetV2 that is the first expanded block (96 channels at half the input
// size), float32.
import type { GpuAdapter } from '../../../../shared/ml';

const LARGEST_ACTIVATION = { strideDivisor: 2, channels: 96 };
/** Beyond this, larger batches add little speed and need a retuned learning rate. */
export const MAX_FINE_TUNE_BATCH = 32;

/** Bytes of one image's largest activation at `inputSize`. */
export function largestActivationBytes(inputSize: number): number {
  const side = Math.ceil(inputSize / LARGEST_ACTIVATION.strideDivisor);
  return side * side * LARGEST_ACTIVATION.channels * 4;
}

/** A power of two from 1 to `largest` whose largest activation fits one binding of the adapter, with half of it to spare. */
export function batchFittingAdapter(adapter: Pick<GpuAdapter, 'maxStorageBufferBindingSize' | 'maxBufferSize'>, inputSize: number, largest: number): number {
  const room = Math.min(adapter.maxStorageBufferBindingSize, adapter.maxBufferSize) / 2;
  let batch = 1;
  while (batch * 2 <= largest && batch * 2 * largestActivationBytes(inputSize) <= room) batch *= 2;
  return batch;
}

/** A power of two from 1 to MAX_FINE_TUNE_BATCH that one binding of the adapter holds. */
export function fineTuneBatchSize(adapter: Pick<GpuAdapter, 'maxStorageBufferBindingSize' | 'maxBufferSize'>, inputSize: number): number {
  return batchFittingAdapter(adapter, inputSize, MAX_FINE_TUNE_BATCH);
}
