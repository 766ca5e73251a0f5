// Grad-CAM heat maps of a model for a set of images, rendered once and cached by (model, image, class):
// an RGBA heat map and the model's input image it belongs to, both square PNGs at the same size.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Progress } from '../../../shared/jobs';
import { GradedeskError } from '../../../shared/errors';
import { ProgressMeter } from '../../jobs/progress';
import { writeCacheFile } from '../../imaging/cache';
import { featureContext, type Engine } from '../engine/engine';
import type { ModelDetail } from '../../../shared/ml';
import { tf } from '../engine/backend';
import { activationContext } from '../training/fine-tune/context';
import { foldModelParts } from '../training/fine-tune/network';
import { gradCam, gradCamOfParts, heatmapRgba, readGradCam, type GradCamMap } from './gradcam';
import { gradCamOnPhoto, inputPlacement } from './gradcam-on-photo';
import { readImageSource } from '../../ingest/image-source';
import { importedExplainer } from './gradcam-imported';
import { loadFoldHead, readManifest, type LoadedHead, type ModelManifest } from '../models/model-files';
import { modelReadyPixels, type Preprocessor } from '../features/preprocessing';

/** Side of the cached PNGs: the model input upscaled, so the overlay is not a blur of 7 × 7 squares. */
const OVERLAY_SIZE = 448;

export interface RenderedGradCam {
  imageId: number;
  targetClass: number;
  heatmap: string;
  input: string;
  /** Milliseconds spent on the Grad-CAM itself (maps, gradient, weighting), without decoding or PNG encoding. */
  computeMs: number;
}

export function gradCamFiles(cacheDir: string, modelId: number, imageId: number, targetClass: number) {
  const dir = path.join(cacheDir, 'gradcam', String(modelId));
  return {
    heatmap: path.join(dir, `${imageId}-class-${targetClass}.png`),
    input: path.join(dir, `${imageId}-input.png`),
    /** The map carried back onto the photograph, as a heat map and as an outline. */
    photo: path.join(dir, `${imageId}-class-${targetClass}-photo.png`),
    outline: path.join(dir, `${imageId}-class-${targetClass}-outline.png`),
  };
}

/** A model opened for Grad-CAM: its backbone and fold heads loaded once for many images. */
export interface GradCamSession {
  model: ModelDetail;
  /** The side of the model-ready pixels the maps are computed on (a multi-scale model's tile canvas). */
  inputSize: number;
  /** The map of one image for a class (the predicted one when null), and the milliseconds it took. */
  map(imageId: number, targetClass: number | null): Promise<{ map: GradCamMap; pixels: Buffer; computeMs: number }>;
  close(): void;
}

export async function openGradCamSession(engine: Engine, modelId: number, targetClass: number | null = null): Promise<GradCamSession> {
  const { store } = engine;
  const model = store.models.get(modelId);
  if (model.status !== 'ready') throw new GradedeskError('invalid', `Model ${modelId} is ${model.status}; Grad-CAM needs a finished model.`);
  if (targetClass !== null) checkClass(model, targetClass);
  if (model.members) throw new GradedeskError('invalid', `Model ${modelId} is an ensemble; show the Grad-CAM of one of its members (${model.members.join(', ')}).`);
  const dir = store.models.dir(modelId);
  const manifest = readManifest(dir);
  const explainer =
    manifest.strategy === 'fine-tune'
      ? await fineTunedExplainer(engine, model, manifest, dir)
      : manifest.strategy === 'imported'
        ? await importedExplainer(engine, model, manifest)
        : await headExplainer(engine, model, manifest, dir);
  return {
    model,
    inputSize: explainer.size,
    close: explainer.close,
    async map(imageId, requested) {
      const image = store.images.get(imageId);
      if (image.projectId !== model.projectId) throw new GradedeskError('invalid', `Image ${imageId} is not in model ${modelId}'s project.`);
      if (image.status !== 'ok') throw new GradedeskError('invalid', `Image ${imageId} (${image.fileName}) could not be imported; there is nothing to explain.`);
      if (requested !== null) checkClass(model, requested);
      const predicted = store.predictions.forImage(modelId, imageId)?.predicted;
      const target = requested ?? (typeof predicted === 'number' ? predicted : Array.isArray(predicted) && predicted.length ? predicted[0]! : 0);
      const pixels = await modelReadyPixels(engine.cacheDir, explainer.preprocessor, explainer.size, image);
      const started = performance.now();
      const map = await explainer.map(pixels, target);
      return { map, pixels, computeMs: performance.now() - started };
    },
  };
}

/** What a session needs of a model, whatever its strategy: its preprocessing and a map per image. */
interface Explainer {
  preprocessor: Preprocessor;
  size: number;
  map(pixels: Buffer, targetClass: number): Promise<GradCamMap>;
  close(): void;
}

/** Head on cached features: the backbone's maps, once, under every fold head. */
async function headExplainer(engine: Engine, model: ModelDetail, manifest: ModelManifest, dir: string): Promise<Explainer> {
  const context = await featureContext(engine, model.backboneId, model.inputSize, model.taskKind, { frozenExtraction: false, features: model.options.features });
  const heads: LoadedHead[] = [];
  const close = () => {
    heads.forEach(({ head }) => head.dispose());
    context.extractor.dispose();
  };
  try {
    for (let fold = 0; fold < manifest.heads.length; fold++) heads.push(await loadFoldHead(dir, fold));
  } catch (error) {
    close();
    throw error;
  }
  return { preprocessor: context.preprocessor, size: context.extractor.inputSize, close, map: (pixels, target) => gradCam(context.extractor, heads, manifest.head, pixels, target) };
}

/**
 * Fine-tuned: the frozen lower backbone once, then each fold's own top blocks give its maps. Only the
 * pooling and head are differentiated, so this needs no convolution gradients either.
 */
async function fineTunedExplainer(engine: Engine, model: ModelDetail, manifest: ModelManifest, dir: string): Promise<Explainer> {
  const { split, preprocessor } = await activationContext(engine, model.options, model.taskKind);
  const folds: tf.LayersModel[] = [];
  const close = () => {
    folds.forEach((fold) => fold.dispose());
    split.dispose();
  };
  try {
    if (split.cutLayer !== manifest.cutLayer) {
      throw new GradedeskError('invalid', `Model ${model.id} takes the activations of ${manifest.cutLayer}, but its backbone now splits at ${split.cutLayer}.`);
    }
    for (let fold = 0; fold < manifest.heads.length; fold++) folds.push((await loadFoldHead(dir, fold)).head);
  } catch (error) {
    close();
    throw error;
  }
  const parts = folds.map(foldModelParts);
  const size = model.inputSize;
  return {
    preprocessor,
    size,
    close,
    map: (pixels, target) =>
      readGradCam(
        tf.tidy(() => {
          const cut = split.lower(split.normalise(tf.tensor4d(new Uint8Array(pixels), [1, size, size, 3], 'int32')));
          return gradCamOfParts(parts.map((part) => ({ maps: part.maps(cut), outputs: part.outputs })), manifest.head, target);
        }),
        target,
      ),
  };
}

function checkClass(model: ModelDetail, targetClass: number): void {
  if (!(Number.isInteger(targetClass) && targetClass >= 0 && targetClass < model.classes.length)) {
    throw new GradedeskError('invalid', `Class ${targetClass} is not one of this model's classes (0–${model.classes.length - 1}).`);
  }
}

export async function renderGradCams(
  engine: Engine,
  modelId: number,
  imageIds: readonly number[],
  targetClass: number | null,
  control: { signal?: AbortSignal; onProgress?: (progress: Progress) => void } = {},
): Promise<RenderedGradCam[]> {
  const session = await openGradCamSession(engine, modelId, targetClass);
  const { inputSize } = session;
  const meter = new ProgressMeter('Computing Grad-CAM', imageIds.length);
  try {
    const rendered: RenderedGradCam[] = [];
    for (const imageId of imageIds) {
      if (control.signal?.aborted) throw new GradedeskError('cancelled', 'Grad-CAM was cancelled; the maps made so far are kept.');
      const { map, pixels, computeMs } = await session.map(imageId, targetClass);
      const files = gradCamFiles(engine.cacheDir, modelId, imageId, map.targetClass);
      await writeCacheFile(files.heatmap, await sharp(heatmapRgba(map, OVERLAY_SIZE), { raw: { width: OVERLAY_SIZE, height: OVERLAY_SIZE, channels: 4 } }).png().toBuffer());
      if (!fs.existsSync(files.input)) {
        const input = sharp(pixels, { raw: { width: inputSize, height: inputSize, channels: 3 } }).resize(OVERLAY_SIZE, OVERLAY_SIZE);
        await writeCacheFile(files.input, await input.png().toBuffer());
      }
      const photograph = await readImageSource(engine.store.images.get(imageId).path);
      const onPhoto = await gradCamOnPhoto(map, await inputPlacement(photograph, session.model.taskKind, inputSize), inputSize);
      await writeCacheFile(files.photo, onPhoto.heat);
      await writeCacheFile(files.outline, onPhoto.outline);
      rendered.push({ imageId, targetClass: map.targetClass, heatmap: files.heatmap, input: files.input, computeMs });
      meter.done++;
      control.onProgress?.(meter.snapshot());
    }
    return rendered;
  } finally {
    session.close();
  }
}

/** The overlay as one picture: the model's input with the heat map on top at `opacity`. */
export async function gradCamOverlay(files: { heatmap: string; input: string }, opacity = 0.6): Promise<Buffer> {
  const heat = await sharp(files.heatmap).ensureAlpha(1).raw().toBuffer({ resolveWithObject: true });
  for (let i = 3; i < heat.data.length; i += 4) heat.data[i] = Math.round(heat.data[i]! * opacity);
  const layer = await sharp(heat.data, { raw: { width: heat.info.width, height: heat.info.height, channels: 4 } }).png().toBuffer();
  return sharp(files.input).composite([{ input: layer }]).png().toBuffer();
}
