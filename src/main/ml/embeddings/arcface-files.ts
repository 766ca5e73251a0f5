// An ArcFace head on disk, beside the model's fold heads: `arcface/arcface.json` (what it was trained
// on and how) and `arcface/weights.bin` (kernel, bias, centres as float32). Written to a side folder
// and renamed into place, so the head is either whole or absent.
import fs from 'node:fs';
import path from 'node:path';
import type { NeighbourAccuracy } from '../../../shared/similar';
import type { ArcFaceOptions, ArcFaceWeights } from './arcface';
import type { Standardisation } from '../models/model-files';

export type EmbeddingGrouping = 'label' | 'group';

/** Format 1 had no out-of-fold spaces, so its suggestions echoed the label under review: it counts as absent. */
export const ARCFACE_FORMAT = 'gradedesk-arcface/2';

export interface ArcFaceManifest {
  format: typeof ARCFACE_FORMAT;
  /** The backbone features it takes (extractor key). */
  extractor: string;
  inputDim: number;
  embeddingDim: number;
  groupBy: EmbeddingGrouping;
  /** The name of each centre: a class name, or a group id. */
  groups: string[];
  options: ArcFaceOptions;
  standardisation: Standardisation;
  losses: number[];
  trainingImages: number;
  /** The folds with a space of their own (a head trained without them); empty when no patient was held out. */
  folds: number[];
  /** Top-1 neighbour accuracy on held-out patients, measured in those spaces when the head was trained. */
  heldOut: NeighbourAccuracy | null;
  createdAt: string;
}

export interface SavedArcFace {
  manifest: ArcFaceManifest;
  weights: ArcFaceWeights;
}

export const arcFaceDir = (modelDir: string) => path.join(modelDir, 'arcface');

export function saveArcFace(modelDir: string, { manifest, weights }: SavedArcFace): void {
  const dir = arcFaceDir(modelDir);
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  fs.writeFileSync(path.join(partial, 'arcface.json'), JSON.stringify(manifest, null, 2));
  const arrays = [weights.kernel, weights.bias, weights.centres];
  fs.writeFileSync(path.join(partial, 'weights.bin'), Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
}

export function removeArcFace(modelDir: string): void {
  fs.rmSync(arcFaceDir(modelDir), { recursive: true, force: true });
}

/** What the model's ArcFace head is, without its weights; null when it has none of the current format. */
export function currentArcFaceManifest(modelDir: string): ArcFaceManifest | null {
  const file = path.join(arcFaceDir(modelDir), 'arcface.json');
  if (!fs.existsSync(file)) return null;
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as ArcFaceManifest;
  return manifest.format === ARCFACE_FORMAT ? manifest : null;
}

/** Whether the model has an ArcFace head of the current format. */
export const hasArcFace = (modelDir: string): boolean => currentArcFaceManifest(modelDir) !== null;

/** What the head is, without its weights (what search and the summaries need). */
export function readArcFaceManifest(modelDir: string): ArcFaceManifest {
  return JSON.parse(fs.readFileSync(path.join(arcFaceDir(modelDir), 'arcface.json'), 'utf8')) as ArcFaceManifest;
}

export function loadArcFace(modelDir: string): SavedArcFace {
  const dir = arcFaceDir(modelDir);
  const manifest = readArcFaceManifest(modelDir);
  const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const { inputDim, embeddingDim } = manifest;
  const kernel = all.slice(0, inputDim * embeddingDim);
  const bias = all.slice(kernel.length, kernel.length + embeddingDim);
  const centres = all.slice(kernel.length + embeddingDim);
  return { manifest, weights: { inputDim, embeddingDim, kernel, bias, centres, groups: manifest.groups.length } };
}
