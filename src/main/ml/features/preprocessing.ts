// Model-ready pixels per task: a square RGB image of the input size, 0..255, made once per
// (image, preprocessing, size) and cached so that feature extraction never decodes a photograph twice.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { TaskKind } from '../../../shared/domain';
import { fittedImage, type ImageSource } from '../../imaging/decode';
import { writeCacheFile } from '../../imaging/cache';
import { preprocessFundus } from '../../imaging/fundus-preprocess';
import { readImageSource } from '../../ingest/image-source';

export interface Preprocessor {
  /** Part of every cache key: change it whenever the output changes. */
  id: string;
  description: string;
  /** Image → size × size × 3 bytes. */
  run(encoded: ImageSource, size: number): Promise<Buffer>;
}

const MID_GREY = { r: 128, g: 128, b: 128 };

/** Fundus: crop the black border, mask the circle, Ben Graham normalisation, fit and pad with grey. */
const fundus: Preprocessor = {
  id: 'fundus-ben-graham-v1',
  description: 'crop the black border, mask the fundus circle, subtract a Gaussian-blurred copy (Ben Graham), resize',
  async run(encoded, size) {
    const image = await preprocessFundus(encoded, size);
    return padToSquare(image.data, image.width, image.height, size, MID_GREY);
  },
};

/**
 * Dermoscopy: the lesion is centred, so fill the square (centre crop), then Shades-of-Grey colour
 * constancy (p = 6), which removes the colour cast of different dermatoscopes (ISIC 2018–2019 winners).
 */
const dermoscopy: Preprocessor = {
  id: 'dermoscopy-shades-of-grey-v1',
  description: 'centre crop to a square, resize, Shades-of-Grey colour constancy',
  async run(encoded, size) {
    const pixels = await fittedImage(encoded, size * 4)
      .resize(size, size, { fit: 'cover', position: 'centre' })
      .raw()
      .toBuffer();
    return shadesOfGrey(pixels, 6);
  },
};

/** Microscopy: keep the whole field (fit and pad with black), stretch each channel's contrast. */
const microscopy: Preprocessor = {
  id: 'microscopy-contrast-v1',
  description: 'fit the whole field, pad with black, stretch contrast per channel',
  async run(encoded, size) {
    const { data, info } = await fittedImage(encoded, size * 4)
      .resize(size, size, { fit: 'inside' })
      .normalise()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return padToSquare(data, info.width, info.height, size, { r: 0, g: 0, b: 0 });
  },
};

/**
 * Fundus, green channel: the Ben Graham image's green channel in all three channels. Red lesions
 * (microaneurysms, haemorrhages) contrast most in green; red is near saturation and blue is noise.
 */
const fundusGreen: Preprocessor = {
  id: 'fundus-ben-graham-green-v1',
  description: `${fundus.description}, then the green channel copied into all three`,
  async run(encoded, size) {
    return greenInAllChannels(await fundus.run(encoded, size));
  },
};

/** Every preprocessing this version can run, by id (a model bundle names the one its model needs). */
export const PREPROCESSING_IDS: readonly string[] = [fundus.id, fundusGreen.id, dermoscopy.id, microscopy.id];

/** The task's preprocessing; fundus photographs may be given to the backbone as their green channel. */
export function preprocessorFor(kind: TaskKind, channel: 'rgb' | 'green' = 'rgb'): Preprocessor {
  if (kind === 'dr-grade') return channel === 'green' ? fundusGreen : fundus;
  return kind === 'multiclass' ? dermoscopy : microscopy;
}

export function greenInAllChannels(rgb: Buffer): Buffer {
  const out = Buffer.alloc(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) out.fill(rgb[i + 1]!, i, i + 3);
  return out;
}

async function padToSquare(rgb: Buffer, width: number, height: number, size: number, background: { r: number; g: number; b: number }): Promise<Buffer> {
  if (width === size && height === size) return rgb;
  const left = Math.floor((size - width) / 2);
  const top = Math.floor((size - height) / 2);
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .extend({ left, right: size - width - left, top, bottom: size - height - top, background })
    .raw()
    .toBuffer();
}

function shadesOfGrey(rgb: Buffer, power: number): Buffer {
  const norms = [0, 0, 0];
  for (let i = 0; i < rgb.length; i++) norms[i % 3]! += (rgb[i]! / 255) ** power;
  const pixels = rgb.length / 3;
  const illuminant = norms.map((sum) => (sum / pixels) ** (1 / power));
  const length = Math.hypot(...illuminant) || 1;
  const gains = illuminant.map((value) => (value > 0 ? 1 / (value / length) / Math.sqrt(3) : 1));
  const out = Buffer.alloc(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = Math.min(255, Math.round(rgb[i]! * gains[i % 3]!));
  return out;
}

/** Every preprocessing by id, for a worker thread that is told which one to run. */
export function preprocessorById(id: string): Preprocessor {
  const found = [fundus, fundusGreen, dermoscopy, microscopy].find((preprocessor) => preprocessor.id === id);
  if (!found) throw new Error(`There is no preprocessing "${id}" in this version of Gradedesk.`);
  return found;
}

function modelInputFile(cacheDir: string, preprocessor: Preprocessor, size: number, sha256: string): string {
  return path.join(cacheDir, 'model-input', `${preprocessor.id}-${size}`, sha256.slice(0, 2), `${sha256}.rgb`);
}

/** The model-ready pixels cached for an image, or null when they are not (or not whole). */
export async function cachedModelReadyPixels(cacheDir: string, preprocessor: Preprocessor, size: number, sha256: string): Promise<Buffer | null> {
  try {
    const cached = await fs.promises.readFile(modelInputFile(cacheDir, preprocessor, size, sha256));
    if (cached.length === size * size * 3) return cached;
  } catch {
    // not cached yet
  }
  return null;
}

/** Reads, decodes and preprocesses an image's file, and caches the result. */
export async function makeModelReadyPixels(cacheDir: string, preprocessor: Preprocessor, size: number, image: { path: string; sha256: string }): Promise<Buffer> {
  const pixels = await preprocessor.run(await readImageSource(image.path), size);
  await writeCacheFile(modelInputFile(cacheDir, preprocessor, size, image.sha256), pixels);
  return pixels;
}

/** The cached model-ready pixels of an image, made from its file on first use. */
export async function modelReadyPixels(cacheDir: string, preprocessor: Preprocessor, size: number, image: { path: string; sha256: string }): Promise<Buffer> {
  return (await cachedModelReadyPixels(cacheDir, preprocessor, size, image.sha256)) ?? makeModelReadyPixels(cacheDir, preprocessor, size, image);
}
