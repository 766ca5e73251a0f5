// Which cached Grad-CAM files still belong to their model. Model ids can be reused after the newest model
// is deleted (SQLite hands out max(id) + 1), so a file older than its model was made for another one.
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../../store';
import { gradCamFiles } from './gradcam-render';

export interface CachedGradCam {
  heatmap: string;
  input: string;
  photo: string;
  outline: string;
  /** When the heat map was written, for telling one rendering from the next (ETags). */
  heatmapMtimeMs: number;
  inputMtimeMs: number;
}

type ModelBirth = { id: number; createdAt: string };

const mtimeOf = (file: string): number | null => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? null;

/** The heat map and model input of (model, image, class), or null unless both exist and were made for this model. */
export function cachedGradCam(cacheDir: string, model: ModelBirth, imageId: number, targetClass: number): CachedGradCam | null {
  const files = gradCamFiles(cacheDir, model.id, imageId, targetClass);
  const born = Date.parse(model.createdAt);
  const heatmapMtimeMs = mtimeOf(files.heatmap);
  const inputMtimeMs = mtimeOf(files.input);
  if (heatmapMtimeMs === null || inputMtimeMs === null || heatmapMtimeMs < born || inputMtimeMs < born) return null;
  // Maps rendered before they were carried onto the photograph are made again.
  if ([files.photo, files.outline].some((file) => (mtimeOf(file) ?? -1) < born)) return null;
  return { ...files, heatmapMtimeMs, inputMtimeMs };
}

/** The model's input picture of an image (the same for every class), or null unless it was made for this model. */
export function cachedModelInput(cacheDir: string, model: ModelBirth, imageId: number): { input: string; inputMtimeMs: number } | null {
  const { input } = gradCamFiles(cacheDir, model.id, imageId, 0);
  const inputMtimeMs = mtimeOf(input);
  return inputMtimeMs !== null && inputMtimeMs >= Date.parse(model.createdAt) ? { input, inputMtimeMs } : null;
}

/** Removes files left by an earlier model with the same id: the renderer keeps an existing model input as it is. */
export function dropStaleGradCam(cacheDir: string, model: ModelBirth, imageId: number, targetClass: number): void {
  const born = Date.parse(model.createdAt);
  for (const file of Object.values(gradCamFiles(cacheDir, model.id, imageId, targetClass))) {
    const mtime = mtimeOf(file);
    if (mtime !== null && mtime < born) fs.rmSync(file, { force: true });
  }
}

/** Removes every file of the model's Grad-CAM folder left by an earlier model with the same id (before a large job). */
export function dropStaleGradCams(cacheDir: string, model: ModelBirth): void {
  const born = Date.parse(model.createdAt);
  const dir = path.dirname(gradCamFiles(cacheDir, model.id, 0, 0).heatmap);
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    const mtime = mtimeOf(file);
    if (mtime !== null && mtime < born) fs.rmSync(file, { force: true });
  }
}

/** A DR grade this probable is a real possibility a grader must see the evidence for. */
export const REAL_POSSIBILITY = 0.2;

/**
 * The class a Grad-CAM explains when none is asked for. For DR grades, the severest grade with a real
 * chance: where the model saw signs of it matters more than why it leans to a milder one. Otherwise the
 * model's prediction (the first label of a multilabel one).
 */
export function defaultGradCamClass(store: Store, modelId: number, imageId: number): { targetClass: number; classFrom: 'prediction' | 'severest' | 'default' } {
  const prediction = store.predictions.forImage(modelId, imageId);
  const predicted = prediction?.predicted;
  if (typeof predicted === 'number' && prediction!.probabilities && store.models.get(modelId).taskKind === 'dr-grade') {
    const severest = prediction!.probabilities.findLastIndex((p) => p >= REAL_POSSIBILITY);
    if (severest > predicted) return { targetClass: severest, classFrom: 'severest' };
  }
  if (typeof predicted === 'number') return { targetClass: predicted, classFrom: 'prediction' };
  if (Array.isArray(predicted) && predicted.length) return { targetClass: predicted[0]!, classFrom: 'prediction' };
  return { targetClass: 0, classFrom: 'default' };
}
