// Backbone features for a set of images, computed once per (image content, extractor, view) and
// kept in the store.
import type { Progress } from '../../../shared/jobs';
import type { FeatureStore } from '../../store/features';
import type { FeatureExtractor } from '../backbones/load';
import { inPixelBatches, outputsPerView, outputsPerViewedPixels, type ImageSource } from './pixel-batches';
import type { PixelSource } from './pixel-source';
import type { Preprocessor } from './preprocessing';
import type { ImageView } from './views';

export type { ImageSource };

export interface FeatureContext {
  features: FeatureStore;
  cacheDir: string;
  extractor: FeatureExtractor;
  preprocessor: Preprocessor;
  /** Where model-ready pixels are made (the engine's pixel pool); on the calling thread when absent. */
  pixels?: PixelSource | undefined;
  /** Images per backbone call (extractionBatchSize); BATCH_SIZE when absent. */
  batchSize?: number | undefined;
}

/** The cache key of features made by this backbone, input size, preprocessing and (multi-scale) configuration. */
export function extractorKey(context: Pick<FeatureContext, 'extractor' | 'preprocessor'>): string {
  const { extractor } = context;
  const configuration = extractor.configuration ? `/${extractor.configuration}` : '';
  return `${extractor.backbone.id}@${extractor.inputSize}/${context.preprocessor.id}${configuration}`;
}

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
  const failed = await inPixelBatches(
    todo,
    {
      cacheDir: context.cacheDir,
      preprocessor: context.preprocessor,
      size: context.extractor.inputSize,
      pixels: context.pixels,
      batchSize: context.batchSize,
      phase: 'Extracting features',
      cancelledMessage: 'Feature extraction was cancelled; the features computed so far are kept.',
      ...options,
    },
    async (batch) => {
      const rows = (await computeFeatures(context.extractor, batch.map((b) => b.pixels), views)).flatMap((perView, v) =>
        perView.map((vector, i) => ({ sha256: batch[i]!.image.sha256, view: views[v]!, vector })),
      );
      context.features.put(rows, key);
    },
  );
  return { extracted: todo.length - failed.length, cached: bySha.size - todo.length, failed };
}

/** Features of model-ready pixel buffers, per view: result[view][image]. */
export function computeFeatures(extractor: FeatureExtractor, pixels: readonly Buffer[], views: readonly ImageView[]): Promise<Float32Array[][]> {
  if (extractor.pixelFeatures) return outputsPerViewedPixels(pixels, extractor.inputSize, views, extractor.pixelFeatures);
  return outputsPerView(pixels, extractor.inputSize, views, extractor.featureDim, (seen) => extractor.features(extractor.normalise(seen)));
}
