// How well a Grad-CAM map lands on known lesions: used on the demo images, whose lesion masks are
// drawn with them. The mask is carried into the model input's frame by the same steps as the fundus
// preprocessing (fit, crop to the fundus, fit to the input size, pad to a square), so a pixel of the
// map and a pixel of the mask are the same place on the retina.
import fs from 'node:fs/promises';
import sharp from 'sharp';
import { fittedImage } from '../../imaging/decode';
import { fundusBounds } from '../../imaging/fundus-preprocess';
import { upsample, type GradCamMap } from './gradcam';
import type { GradCamSession } from './gradcam-render';

/** A binary mask over the model input: 1 where the photograph shows a lesion. */
export interface InputMask {
  size: number;
  lesion: Uint8Array;
  /** 1 inside the fundus (the retina the model sees), 0 on the grey padding and surround. */
  fundus: Uint8Array;
}

/** The lesion mask of a fundus photograph, in the frame of its `size` × `size` model input. */
export async function lesionMaskInModelFrame(photograph: Buffer, mask: Buffer, size: number): Promise<InputMask> {
  const decoded = await fittedImage(photograph, size * 2).raw().toBuffer({ resolveWithObject: true });
  const { width, height } = decoded.info;
  const box = fundusBounds({ data: decoded.data, width, height, channels: 3 });
  // One resize per sharp pipeline: a second one would replace the first.
  const fitted = await sharp(mask).greyscale().resize(width, height, { fit: 'fill' }).raw().toBuffer();
  const framed = await sharp(fitted, { raw: { width, height, channels: 1 } })
    .extract(box)
    .resize(size, size, { fit: 'inside' })
    .extractChannel(0) // sharp turns a one-channel raw input into sRGB on the way out otherwise
    .raw()
    .toBuffer({ resolveWithObject: true });
  const inner = { width: framed.info.width, height: framed.info.height };
  const left = Math.floor((size - inner.width) / 2);
  const top = Math.floor((size - inner.height) / 2);
  const lesion = new Uint8Array(size * size);
  const fundus = new Uint8Array(size * size);
  const radius = Math.max(inner.width, inner.height) / 2;
  for (let y = 0; y < inner.height; y++) {
    for (let x = 0; x < inner.width; x++) {
      const i = (y + top) * size + (x + left);
      // The preprocessing greys out everything beyond 0.96 of the radius.
      if ((x + 0.5 - inner.width / 2) ** 2 + (y + 0.5 - inner.height / 2) ** 2 > (radius * 0.96) ** 2) continue;
      fundus[i] = 1;
      lesion[i] = framed.data[y * inner.width + x]! >= 128 ? 1 : 0;
    }
  }
  return { size, lesion, fundus };
}

export interface Localisation {
  /** Share of the hottest `topFraction` of the map's fundus pixels that falls on lesions. */
  hotShare: number;
  /** What a uniform map scores: the lesions' share of the fundus. */
  uniformShare: number;
  /** Whether the single hottest pixel is on (or within `tolerance` pixels of) a lesion. */
  pointingHit: boolean;
  /** What pointing at random scores: the share of fundus pixels within `tolerance` of a lesion. */
  pointingChance: number;
}

/** Grad-CAM localisation against a lesion mask, counted over the fundus only. */
export function localisation(map: GradCamMap, mask: InputMask, { topFraction = 0.1, tolerance = 0 } = {}): Localisation {
  const { size, lesion, fundus } = mask;
  const values = upsample(map, size);
  const inside: number[] = [];
  let lesionPixels = 0;
  for (let i = 0; i < values.length; i++) {
    if (!fundus[i]) continue;
    inside.push(i);
    lesionPixels += lesion[i]!;
  }
  if (inside.length === 0) throw new Error('The mask has no fundus pixels.');
  inside.sort((a, b) => values[b]! - values[a]!);
  const hot = inside.slice(0, Math.max(1, Math.round(inside.length * topFraction)));
  const onLesion = hot.reduce((n, i) => n + lesion[i]!, 0);
  const nearAny = inside.reduce((n, i) => n + (nearLesion(mask, i, tolerance) ? 1 : 0), 0);
  return {
    hotShare: onLesion / hot.length,
    uniformShare: lesionPixels / inside.length,
    pointingHit: nearLesion(mask, inside[0]!, tolerance),
    pointingChance: nearAny / inside.length,
  };
}

function nearLesion({ size, lesion }: InputMask, pixel: number, tolerance: number): boolean {
  const px = pixel % size;
  const py = Math.floor(pixel / size);
  for (let y = Math.max(0, py - tolerance); y <= Math.min(size - 1, py + tolerance); y++) {
    for (let x = Math.max(0, px - tolerance); x <= Math.min(size - 1, px + tolerance); x++) {
      if ((x - px) ** 2 + (y - py) ** 2 <= tolerance ** 2 && lesion[y * size + x]) return true;
    }
  }
  return false;
}

export interface LocalisationSummary {
  images: number;
  meanHotShare: number;
  meanUniformShare: number;
  /** Images whose hot share beats their uniform share. */
  beatsUniform: number;
  pointingHitRate: number;
  /** The pointing game's chance level: its hit rate for a pixel drawn at random from the fundus. */
  pointingChance: number;
  computeMs: number[];
}

/**
 * Grad-CAM localisation of a model over images with known lesion masks (the demo's), for the
 * predicted class. `tolerance` is the pointing game's slack in model-input pixels.
 */
export async function measureLocalisation(
  session: GradCamSession,
  images: ReadonlyArray<{ imageId: number; photograph: string; maskFile: string }>,
  { tolerance = Math.round(session.inputSize * 0.03) } = {},
): Promise<LocalisationSummary> {
  const results: Array<Localisation & { computeMs: number }> = [];
  for (const image of images) {
    const { map, computeMs } = await session.map(image.imageId, null);
    const mask = await lesionMaskInModelFrame(await fs.readFile(image.photograph), await fs.readFile(image.maskFile), session.inputSize);
    results.push({ ...localisation(map, mask, { tolerance }), computeMs });
  }
  const mean = (pick: (r: (typeof results)[number]) => number) => results.reduce((sum, r) => sum + pick(r), 0) / results.length;
  return {
    images: results.length,
    meanHotShare: mean((r) => r.hotShare),
    meanUniformShare: mean((r) => r.uniformShare),
    beatsUniform: results.filter((r) => r.hotShare > r.uniformShare).length,
    pointingHitRate: mean((r) => (r.pointingHit ? 1 : 0)),
    pointingChance: mean((r) => r.pointingChance),
    computeMs: results.map((r) => r.computeMs),
  };
}
