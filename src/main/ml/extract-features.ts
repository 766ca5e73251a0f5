// Backbone features for a set of images, computed once per (image content, extractor, view) and
// kept in the store. Preprocessing runs ahead on sharp's threads while the backbone computes.
import { GradedeskError } from '../../shared/errors';
import type { Progress } from '../../shared/jobs';
import { ProgressMeter } from '../jobs/progress';
import type { FeatureStore } from '../store/features';
import { tf } from './backend';
import type { FeatureExtractor } from './backbones/load';
import { modelReadyPixels, type Preprocessor } from './preprocessing';
import { applyView, type ImageView } from './views';

export interface ImageSource {
  sha256: string;
  path: string;
}

export interface FeatureContext {
  features: FeatureStore;
  cacheDir: string;
  extractor: FeatureExtractor;
  preprocessor: Preprocessor;
}

/** The cache key of features made by this backbone, input size and preprocessing. */
export function extractorKey(context: Pick<FeatureContext, 'extractor' | 'preprocessor'>): string {
  return `${context.extractor.backbone.id}@${context.extractor.inputSize}/${context.preprocessor.id}`;
}

const BATCH_SIZE = 8;
/** Images being preprocessed ahead of the backbone. */
const READ_AHEAD = 16;

export interface ExtractionResult {
  extracted: number;
  cached: number;
  /** Images whose file could not be read or decoded now (moved, deleted, damaged since import). */
  failed: Array<{ sha256: string; error: string }>;
}

export async function ensureFeatures(
  context: FeatureContext,
  images: readonly ImageSource[],
  views: readonly ImageView[],
  options: { signal?: AbortSignal; onProgress?: (progress: Progress) => void } = {},
): Promise<ExtractionResult> {
  const key = extractorKey(context);
  const bySha = new Map(images.map((image) => [image.sha256, image]));
  const todo = context.features.missing([...bySha.keys()], key, views).map((sha) => bySha.get(sha)!);
  const meter = new ProgressMeter('Extracting features', todo.length);
  const failed: ExtractionResult['failed'] = [];
  const size = context.extractor.inputSize;
  const pixelsOf = (image: ImageSource) =>
    modelReadyPixels(context.cacheDir, context.preprocessor, size, image).then(
      (pixels) => ({ image, pixels }),
      (error: unknown) => ({ image, error: error instanceof Error ? error.message : String(error) }),
    );

  const pending = todo.slice(0, READ_AHEAD).map(pixelsOf);
  let next = pending.length;
  options.onProgress?.(meter.snapshot());
  while (pending.length > 0) {
    if (options.signal?.aborted) throw new GradedeskError('cancelled', 'Feature extraction was cancelled; the features computed so far are kept.');
    const batch: Array<{ image: ImageSource; pixels: Buffer }> = [];
    while (batch.length < BATCH_SIZE && pending.length > 0) {
      const ready = await pending.shift()!;
      if (next < todo.length) pending.push(pixelsOf(todo[next++]!));
      if ('error' in ready) failed.push({ sha256: ready.image.sha256, error: ready.error });
      else batch.push(ready);
    }
    if (batch.length === 0) {
      meter.done = next - pending.length;
      continue;
    }
    const rows = computeFeatures(context.extractor, batch.map((b) => b.pixels), views).flatMap((perView, v) =>
      perView.map((vector, i) => ({ sha256: batch[i]!.image.sha256, view: views[v]!, vector })),
    );
    context.features.put(rows, key);
    meter.done = next - pending.length;
    options.onProgress?.(meter.snapshot());
    // Let sharp's callbacks and progress messages through between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { extracted: todo.length - failed.length, cached: bySha.size - todo.length, failed };
}

/** Features of model-ready pixel buffers, per view: result[view][image]. */
export function computeFeatures(extractor: FeatureExtractor, pixels: readonly Buffer[], views: readonly ImageView[]): Float32Array[][] {
  const size = extractor.inputSize;
  const dim = extractor.featureDim;
  const stacked = new Uint8Array(pixels.length * size * size * 3);
  pixels.forEach((p, i) => stacked.set(p, i * size * size * 3));
  const batch = tf.tensor4d(stacked, [pixels.length, size, size, 3], 'int32');
  try {
    return views.map((view) => {
      const output = tf.tidy(() => {
        const seen = applyView(batch, view);
        return extractor.features(extractor.normalise(seen));
      });
      const flat = output.dataSync() as Float32Array;
      output.dispose();
      return pixels.map((_, i) => flat.slice(i * dim, (i + 1) * dim));
    });
  } finally {
    batch.dispose();
  }
}
