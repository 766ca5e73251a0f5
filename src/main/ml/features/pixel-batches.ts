// Batches of model-ready pixels for the backbone, with the next images preprocessed ahead (on the pixel
// pool's worker threads where the engine has one) while the backbone computes the current batch.
import { GradedeskError } from '../../../shared/errors';
import type { Progress } from '../../../shared/jobs';
import { ProgressMeter } from '../../jobs/progress';
import { tf } from '../engine/backend';
import { inThreadPixels, type PixelSource } from './pixel-source';
import type { Preprocessor } from './preprocessing';
import { applyView, type ImageView } from './views';

export interface ImageSource {
  sha256: string;
  path: string;
}

export interface PixelBatchOptions {
  cacheDir: string;
  preprocessor: Preprocessor;
  size: number;
  /** Where the pixels are made; on the calling thread when absent. */
  pixels?: PixelSource | undefined;
  /** Images per batch; BATCH_SIZE when absent. */
  batchSize?: number | undefined;
  /** The progress phase, and what the cancellation error says. */
  phase: string;
  cancelledMessage: string;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** The batch on the processor (wasm, cpu); extractionBatchSize gives a GPU's. */
export const BATCH_SIZE = 8;

/**
 * Images being prepared ahead of the backbone: the next batch, plus enough to keep every worker of the
 * source busy (a few each, since a task also waits on the disk and on sharp's threads).
 */
export function readAhead(batchSize: number, parallel: number): number {
  return Math.max(2 * batchSize, batchSize + 4 * parallel);
}

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
  const source = options.pixels ?? inThreadPixels;
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const pixelsOf = (image: ImageSource) =>
    source.modelReadyPixels(options.cacheDir, options.preprocessor, options.size, image).then(
      (pixels) => ({ image, pixels }),
      (error: unknown) => ({ image, error: error instanceof Error ? error.message : String(error) }),
    );
  const pending = images.slice(0, readAhead(batchSize, source.parallel)).map(pixelsOf);
  let next = pending.length;
  options.onProgress?.(meter.snapshot());
  while (pending.length > 0) {
    if (options.signal?.aborted) throw new GradedeskError('cancelled', options.cancelledMessage);
    const batch: Array<{ image: ImageSource; pixels: Buffer }> = [];
    while (batch.length < batchSize && pending.length > 0) {
      const ready = await pending.shift()!;
      if (next < images.length) pending.push(pixelsOf(images[next++]!));
      if ('error' in ready) failed.push({ sha256: ready.image.sha256, error: ready.error });
      else batch.push(ready);
    }
    if (batch.length > 0) await handle(batch);
    meter.done = next - pending.length;
    options.onProgress?.(meter.snapshot());
    // Let sharp's callbacks, the pool's answers and progress messages through between batches.
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
