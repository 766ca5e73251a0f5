// Batches of model-ready pixels for the backbone, with the next images preprocessed ahead on sharp's
// threads while the backbone computes the current batch.
import { GradedeskError } from '../../../shared/errors';
import type { Progress } from '../../../shared/jobs';
import { ProgressMeter } from '../../jobs/progress';
import { tf } from '../engine/backend';
import { modelReadyPixels, type Preprocessor } from './preprocessing';
import { applyView, type ImageView } from './views';

export interface ImageSource {
  sha256: string;
  path: string;
}

export interface PixelBatchOptions {
  cacheDir: string;
  preprocessor: Preprocessor;
  size: number;
  /** The progress phase, and what the cancellation error says. */
  phase: string;
  cancelledMessage: string;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export const BATCH_SIZE = 8;
/** Images being preprocessed ahead of the backbone. */
const READ_AHEAD = 16;

/**
 * Calls `handle` with each batch of readable images and their pixels, in order; returns the images
 * whose file could not be read or decoded now (moved, deleted, damaged since import).
 */
export async function inPixelBatches(
  images: readonly ImageSource[],
  options: PixelBatchOptions,
  handle: (batch: Array<{ image: ImageSource; pixels: Buffer }>) => Promise<void> | void,
): Promise<Array<{ sha256: string; error: string }>> {
  const meter = new ProgressMeter(options.phase, images.length);
  const failed: Array<{ sha256: string; error: string }> = [];
  const pixelsOf = (image: ImageSource) =>
    modelReadyPixels(options.cacheDir, options.preprocessor, options.size, image).then(
      (pixels) => ({ image, pixels }),
      (error: unknown) => ({ image, error: error instanceof Error ? error.message : String(error) }),
    );
  const pending = images.slice(0, READ_AHEAD).map(pixelsOf);
  let next = pending.length;
  options.onProgress?.(meter.snapshot());
  while (pending.length > 0) {
    if (options.signal?.aborted) throw new GradedeskError('cancelled', options.cancelledMessage);
    const batch: Array<{ image: ImageSource; pixels: Buffer }> = [];
    while (batch.length < BATCH_SIZE && pending.length > 0) {
      const ready = await pending.shift()!;
      if (next < images.length) pending.push(pixelsOf(images[next++]!));
      if ('error' in ready) failed.push({ sha256: ready.image.sha256, error: ready.error });
      else batch.push(ready);
    }
    if (batch.length > 0) await handle(batch);
    meter.done = next - pending.length;
    options.onProgress?.(meter.snapshot());
    // Let sharp's callbacks and progress messages through between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return failed;
}

/** Model-ready pixel buffers (size × size RGB) as one int32 [n, size, size, 3] batch. */
export function pixelTensor(pixels: readonly Uint8Array[], size: number): tf.Tensor4D {
  const stacked = new Uint8Array(pixels.length * size * size * 3);
  pixels.forEach((p, i) => stacked.set(p, i * size * size * 3));
  return tf.tensor4d(stacked, [pixels.length, size, size, 3], 'int32');
}

/**
 * What `run` makes of each view of a batch of model-ready pixels, given the viewed pixels as bytes (the
 * views made by tfjs, read back): result[view][image]. For runtimes other than tfjs.
 */
export async function outputsPerViewedPixels<T>(
  pixels: readonly Uint8Array[],
  size: number,
  views: readonly ImageView[],
  run: (viewed: readonly Uint8Array[]) => Promise<T[]>,
): Promise<T[][]> {
  const perImage = size * size * 3;
  const perView: T[][] = [];
  for (const view of views) {
    if (view === 'original') {
      perView.push(await run(pixels));
      continue;
    }
    const seen = tf.tidy(() => applyView(pixelTensor(pixels, size), view));
    const flat = Uint8Array.from(await seen.data());
    seen.dispose();
    perView.push(await run(pixels.map((_, i) => flat.subarray(i * perImage, (i + 1) * perImage))));
  }
  return perView;
}

/**
 * What `network` makes of each view of a batch of model-ready pixels, `length` values per image:
 * result[view][image]. Reads are asynchronous only: WebGPU in Node cannot read a tensor synchronously.
 */
export async function outputsPerView(
  pixels: readonly Uint8Array[],
  size: number,
  views: readonly ImageView[],
  length: number,
  network: (batch: tf.Tensor4D) => tf.Tensor,
): Promise<Float32Array[][]> {
  const batch = pixelTensor(pixels, size);
  try {
    const perView: Float32Array[][] = [];
    for (const view of views) {
      const output = tf.tidy(() => network(applyView(batch, view)));
      const flat = (await output.data()) as Float32Array;
      output.dispose();
      perView.push(pixels.map((_, i) => flat.slice(i * length, (i + 1) * length)));
    }
    return perView;
  } finally {
    batch.dispose();
  }
}
