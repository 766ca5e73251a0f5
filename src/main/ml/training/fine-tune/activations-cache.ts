// The frozen lower part of a split backbone runs once per (image content, view): its output, the cut
// activations, is kept as a float32 file under the cache, keyed by backbone, input size, preprocessing
// and cut layer, so that every epoch, every fold, a resumed run and later predictions read it back.
import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError } from '../../../../shared/errors';
import type { Progress } from '../../../../shared/jobs';
import { writeCacheFile } from '../../../imaging/cache';
import { tf } from '../../engine/backend';
import type { ExtractionResult, ImageSource } from '../../features/extract-features';
import { inPixelBatches, outputsPerView, pixelTensor } from '../../features/pixel-batches';
import { inThreadPixels, type PixelSource } from '../../features/pixel-source';
import type { Preprocessor } from '../../features/preprocessing';
import type { Random } from '../../../util/random';
import { augmentPixels, type PixelAugmentation } from './pixel-augmentation';
import type { ImageView } from '../../features/views';
import type { BackboneSplit } from './split-backbone';

export interface ActivationContext {
  cacheDir: string;
  preprocessor: Preprocessor;
  split: BackboneSplit;
  /** Where model-ready pixels are made (the engine's pixel pool); on the calling thread when absent. */
  pixels?: PixelSource | undefined;
}


/** The cache folder of activations made by this backbone, input size, preprocessing and cut. */
export function activationsKey(context: ActivationContext): string {
  const { split, preprocessor } = context;
  return `${split.backbone.id}@${split.inputSize}-${preprocessor.id}-${split.cutLayer}`;
}

function activationFile(context: ActivationContext, sha256: string, view: ImageView): string {
  return path.join(context.cacheDir, 'activations', activationsKey(context), sha256.slice(0, 2), `${sha256}.${view}.f32`);
}

/** Values in one (image, view)'s activations. */
export function activationLength(split: Pick<BackboneSplit, 'cutShape'>): number {
  return split.cutShape[0] * split.cutShape[1] * split.cutShape[2];
}

/** Computes the cut activations of every (image, view) not cached yet. */
export async function ensureActivations(
  context: ActivationContext,
  images: readonly ImageSource[],
  views: readonly ImageView[],
  options: { signal?: AbortSignal; onProgress?: (progress: Progress) => void } = {},
): Promise<ExtractionResult> {
  const bySha = new Map(images.map((image) => [image.sha256, image]));
  const todo = [...bySha.values()].filter((image) => views.some((view) => !fs.existsSync(activationFile(context, image.sha256, view))));
  const failed = await inPixelBatches(
    todo,
    {
      cacheDir: context.cacheDir,
      preprocessor: context.preprocessor,
      size: context.split.inputSize,
      pixels: context.pixels,
      phase: 'Computing backbone activations',
      cancelledMessage: 'Computing backbone activations was cancelled; those computed so far are kept.',
      ...options,
    },
    async (batch) => {
      const perView = await computeActivations(context.split, batch.map((b) => b.pixels), views);
      await Promise.all(
        perView.flatMap((perImage, v) =>
          perImage.map((values, i) =>
            writeCacheFile(activationFile(context, batch[i]!.image.sha256, views[v]!), Buffer.from(values.buffer, values.byteOffset, values.byteLength)),
          ),
        ),
      );
    },
  );
  return { extracted: todo.length - failed.length, cached: bySha.size - todo.length, failed };
}

/** Cut activations of model-ready pixel buffers, per view: result[view][image]. */
export function computeActivations(split: BackboneSplit, pixels: readonly Buffer[], views: readonly ImageView[]): Promise<Float32Array[][]> {
  return outputsPerView(pixels, split.inputSize, views, activationLength(split), (seen) => split.lower(split.normalise(seen)));
}

/** The cached activations of (image, view) pairs as one [n, h, w, c] batch, in the order asked. */
export function readActivations(context: ActivationContext, keys: ReadonlyArray<{ sha256: string; view: ImageView }>): tf.Tensor4D {
  const length = activationLength(context.split);
  const values = new Float32Array(keys.length * length);
  keys.forEach(({ sha256, view }, row) => {
    const file = activationFile(context, sha256, view);
    const bytes = fs.readFileSync(file);
    if (bytes.length !== length * 4) throw new GradedeskError('invalid', `${file} holds ${bytes.length} bytes, not the ${length * 4} of its activations; clear the cache.`);
    // Copy through a byte view: the file's buffer may not be 4-byte aligned.
    new Uint8Array(values.buffer, row * length * 4, length * 4).set(bytes);
  });
  return tf.tensor4d(values, [keys.length, ...context.split.cutShape]);
}

/**
 * Cut activations of freshly augmented pixels, for one training step on a GPU: the images' model-ready
 * pixels (cached by ensureActivations) get a random flip, rotation, zoom, brightness and contrast each,
 * and the frozen lower backbone runs on them in inference mode.
 */
export async function augmentedActivations(
  context: ActivationContext,
  images: readonly ImageSource[],
  augmentation: PixelAugmentation,
  random: Random,
): Promise<tf.Tensor4D> {
  const size = context.split.inputSize;
  const source = context.pixels ?? inThreadPixels;
  const pixels = await Promise.all(images.map((image) => source.modelReadyPixels(context.cacheDir, context.preprocessor, size, image)));
  const batch = pixelTensor(pixels, size);
  try {
    return tf.tidy(() => context.split.lower(context.split.normalise(augmentPixels(batch, augmentation, random))));
  } finally {
    batch.dispose();
  }
}
