// Grad-CAM heat maps of a model for a set of images, rendered once and cached by (model, image, class):
// an RGBA heat map and the model's input image it belongs to, both square PNGs at the same size.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Progress } from '../../shared/jobs';
import { GradedeskError } from '../../shared/errors';
import { ProgressMeter } from '../jobs/progress';
import { writeCacheFile } from '../imaging/cache';
import { featureContext, type Engine } from './engine';
import { gradCam, heatmapRgba } from './gradcam';
import { loadFoldHead, readManifest, type LoadedHead } from './model-files';
import { modelReadyPixels } from './preprocessing';

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
  return { heatmap: path.join(dir, `${imageId}-class-${targetClass}.png`), input: path.join(dir, `${imageId}-input.png`) };
}

export async function renderGradCams(
  engine: Engine,
  modelId: number,
  imageIds: readonly number[],
  targetClass: number | null,
  control: { signal?: AbortSignal; onProgress?: (progress: Progress) => void } = {},
): Promise<RenderedGradCam[]> {
  const { store } = engine;
  const model = store.models.get(modelId);
  if (model.status !== 'ready') throw new GradedeskError('invalid', `Model ${modelId} is ${model.status}; Grad-CAM needs a finished model.`);
  if (targetClass !== null && !(Number.isInteger(targetClass) && targetClass >= 0 && targetClass < model.classes.length)) {
    throw new GradedeskError('invalid', `Class ${targetClass} is not one of this model's classes (0–${model.classes.length - 1}).`);
  }
  if (model.members) throw new GradedeskError('invalid', `Model ${modelId} is an ensemble; show the Grad-CAM of one of its members (${model.members.join(', ')}).`);
  const dir = store.models.dir(modelId);
  const manifest = readManifest(dir);
  if (manifest.strategy === 'fine-tune') {
    // Each fold has its own fine-tuned top blocks, so the maps must come from each fold's network.
    throw new GradedeskError('unsupported', `Grad-CAM of fine-tuned models is not built yet; model ${modelId} was fine-tuned. Use a model trained with the head strategy.`);
  }
  const context = await featureContext(engine, model.backboneId, model.inputSize, model.taskKind);
  const heads: LoadedHead[] = [];
  const meter = new ProgressMeter('Computing Grad-CAM', imageIds.length);
  try {
    for (let fold = 0; fold < manifest.heads.length; fold++) heads.push(await loadFoldHead(dir, fold));
    const rendered: RenderedGradCam[] = [];
    for (const imageId of imageIds) {
      if (control.signal?.aborted) throw new GradedeskError('cancelled', 'Grad-CAM was cancelled; the maps made so far are kept.');
      const image = store.images.get(imageId);
      if (image.projectId !== model.projectId) throw new GradedeskError('invalid', `Image ${imageId} is not in model ${modelId}'s project.`);
      if (image.status !== 'ok') throw new GradedeskError('invalid', `Image ${imageId} (${image.fileName}) could not be imported; there is nothing to explain.`);
      const predicted = store.predictions.forImage(modelId, imageId)?.predicted;
      const target = targetClass ?? (typeof predicted === 'number' ? predicted : Array.isArray(predicted) && predicted.length ? predicted[0]! : 0);
      const files = gradCamFiles(engine.cacheDir, modelId, imageId, target);
      const pixels = await modelReadyPixels(engine.cacheDir, context.preprocessor, model.inputSize, image);
      const started = performance.now();
      const map = gradCam(context.extractor, heads, manifest.head, pixels, target);
      const computeMs = performance.now() - started;
      await writeCacheFile(files.heatmap, await sharp(heatmapRgba(map, OVERLAY_SIZE), { raw: { width: OVERLAY_SIZE, height: OVERLAY_SIZE, channels: 4 } }).png().toBuffer());
      if (!fs.existsSync(files.input)) {
        const input = sharp(pixels, { raw: { width: model.inputSize, height: model.inputSize, channels: 3 } }).resize(OVERLAY_SIZE, OVERLAY_SIZE);
        await writeCacheFile(files.input, await input.png().toBuffer());
      }
      rendered.push({ imageId, targetClass: target, ...files, computeMs });
      meter.done++;
      control.onProgress?.(meter.snapshot());
    }
    return rendered;
  } finally {
    heads.forEach(({ head }) => head.dispose());
    context.extractor.dispose();
  }
}

/** The overlay as one picture: the model's input with the heat map on top at `opacity`. */
export async function gradCamOverlay(files: { heatmap: string; input: string }, opacity = 0.6): Promise<Buffer> {
  const heat = await sharp(files.heatmap).ensureAlpha(1).raw().toBuffer({ resolveWithObject: true });
  for (let i = 3; i < heat.data.length; i += 4) heat.data[i] = Math.round(heat.data[i]! * opacity);
  const layer = await sharp(heat.data, { raw: { width: heat.info.width, height: heat.info.height, channels: 4 } }).png().toBuffer();
  return sharp(files.input).composite([{ input: layer }]).png().toBuffer();
}
