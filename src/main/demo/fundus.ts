// Synthetic colour fundus photographs with known diabetic retinopathy grade and lesion mask.

import type { Eye } from '../../shared/domain';
import { FundusFrame, placeAnatomy, type Anatomy } from './anatomy';
import { countLesions, drawDeepLesions, drawSuperficialLesions, planLesions, type LesionCounts } from './lesions';
import { createRandom, type Random } from '../util/random';
import { Layer, Picture, cover, fillBlob, type Rgb } from './raster';
import { drawVessels, growVesselTree } from './vessels';

export interface FundusSpec {
  /** International clinical DR grade, 0 (no DR) to 4 (proliferative). */
  grade: number;
  eye: Eye;
  seed: number;
  width: number;
  height: number;
}

export interface RenderedFundus {
  /** Raw 8-bit RGB, row-major, width × height × 3 bytes. */
  rgb: Buffer;
  /** Raw 8-bit single channel: 255 on lesion pixels, 0 elsewhere. */
  lesionMask: Buffer;
  width: number;
  height: number;
  lesionCounts: LesionCounts;
}

/**
 * Renders one photograph. The seed fixes the eye (camera framing, anatomy, vessels, colour); the grade
 * only adds lesions, so the same seed at two grades shows the same eye with and without disease.
 */
export function renderFundus(spec: FundusSpec): RenderedFundus {
  validate(spec);
  const { width, height } = spec;
  const root = createRandom(spec.seed);
  const frameRandom = root.fork();
  const anatomyRandom = root.fork();
  const vesselRandom = root.fork();
  const lesionRandom = root.fork();
  const lookRandom = root.fork();
  const noiseRandom = root.fork();

  const frame = new FundusFrame({ width, height, eye: spec.eye }, frameRandom);
  const anatomy = placeAnatomy(anatomyRandom);
  const vessels = growVesselTree(vesselRandom, anatomy);
  const plan = planLesions(lesionRandom, spec.grade, anatomy, frame, vessels);
  const look = chooseLook(lookRandom);

  const picture = new Picture(width, height);
  const lesionMask = new Layer(width, height);
  paintBackground(picture, frame, look, lookRandom);
  paintMacula(picture, frame, anatomy, look, lookRandom);
  paintDisc(picture, frame, anatomy, lookRandom);
  drawDeepLesions(picture, lesionMask, frame, plan, lesionRandom);
  drawVessels(picture, lesionMask, frame, vessels);
  drawSuperficialLesions(picture, lesionMask, frame, plan, lesionRandom);
  const { rgb, mask } = develop(picture, lesionMask, frame, look, noiseRandom);
  return { rgb, lesionMask: mask, width, height, lesionCounts: countLesions(plan) };
}

function validate(spec: FundusSpec): void {
  if (!Number.isInteger(spec.grade) || spec.grade < 0 || spec.grade > 4) {
    throw new Error(`A DR grade is an integer from 0 to 4, not ${spec.grade}.`);
  }
  for (const side of ['width', 'height'] as const) {
    if (!Number.isInteger(spec[side]) || spec[side] < 16 || spec[side] > 8192) {
      throw new Error(`Image ${side} must be an integer from 16 to 8192 pixels, not ${spec[side]}.`);
    }
  }
  if (spec.eye !== 'left' && spec.eye !== 'right') throw new Error(`The eye must be 'left' or 'right', not ${String(spec.eye)}.`);
  if (!Number.isFinite(spec.seed)) throw new Error(`The seed must be a finite number, not ${spec.seed}.`);
}

/** Per-photograph variation of pigmentation, illumination and camera exposure. */
interface Look {
  fundus: Rgb;
  /** Relative darkening at the rim of the field. */
  vignette: number;
  /** Uneven illumination: brightness slope across the field, per fundus radius. */
  lightX: number;
  lightY: number;
  exposure: number;
  gamma: number;
  noise: number;
}

function chooseLook(random: Random): Look {
  const red = random.range(0.72, 0.9);
  const lightAngle = random.range(0, 2 * Math.PI);
  const lightSlope = random.range(0, 0.14);
  return {
    fundus: [red, red * random.range(0.36, 0.5), red * random.range(0.1, 0.22)],
    vignette: random.range(0.35, 0.6),
    lightX: lightSlope * Math.cos(lightAngle),
    lightY: lightSlope * Math.sin(lightAngle),
    exposure: random.range(0.8, 1.18),
    gamma: random.range(0.8, 1.2),
    noise: random.range(0.006, 0.016),
  };
}

/** Smooth random field in [-1, 1] over the unit square, bilinear between `cells`² random values. */
function valueNoise(random: Random, cells: number): (x: number, y: number) => number {
  const n = cells + 1;
  const grid = Float32Array.from({ length: n * n }, () => random.range(-1, 1));
  return (x, y) => {
    const gx = Math.min(Math.max(x, 0), 0.9999) * cells;
    const gy = Math.min(Math.max(y, 0), 0.9999) * cells;
    const ix = Math.floor(gx);
    const iy = Math.floor(gy);
    const fx = smooth(gx - ix);
    const fy = smooth(gy - iy);
    const i = iy * n + ix;
    const top = grid[i]! + (grid[i + 1]! - grid[i]!) * fx;
    const bottom = grid[i + n]! + (grid[i + n + 1]! - grid[i + n]!) * fx;
    return top + (bottom - top) * fy;
  };
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** The choroid seen through the pigment epithelium: orange-red with faint blotchy mottling. */
function paintBackground(picture: Picture, frame: FundusFrame, look: Look, random: Random): void {
  const coarse = valueNoise(random, 5);
  const fine = valueNoise(random, 22);
  const pigment = valueNoise(random, 9);
  const { width, height, scale, cx, cy } = frame;
  const [r0, g0, b0] = look.fundus;
  for (let y = 0; y < height; y++) {
    const v = (y + 0.5 - cy) / scale;
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5 - cx) / scale;
      if (u * u + v * v > 1.02) continue;
      const nx = (u + 1) / 2;
      const ny = (v + 1) / 2;
      const tone = 1 + 0.07 * coarse(nx, ny) + 0.035 * fine(nx, ny);
      const darker = 1 + 0.08 * pigment(nx, ny);
      const i = y * width + x;
      picture.r[i] = r0 * tone;
      picture.g[i] = g0 * tone * darker;
      picture.b[i] = b0 * tone * darker;
    }
  }
}

/** The macula is darker and browner (luteal and epithelial pigment), sometimes with a foveal reflex. */
function paintMacula(picture: Picture, frame: FundusFrame, anatomy: Anatomy, look: Look, random: Random): void {
  const { x: fx, y: fy } = frame.toImage(anatomy.fovea);
  const sigma = anatomy.discRadius * random.range(1.1, 1.5) * frame.scale;
  const depth = random.range(0.25, 0.42);
  const reach = 3 * sigma;
  const x0 = Math.max(0, Math.floor(fx - reach));
  const x1 = Math.min(frame.width, Math.ceil(fx + reach));
  const y0 = Math.max(0, Math.floor(fy - reach));
  const y1 = Math.min(frame.height, Math.ceil(fy + reach));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const dx = (x + 0.5 - fx) / sigma;
      const dy = (y + 0.5 - fy) / sigma;
      const g = depth * Math.exp(-(dx * dx + dy * dy));
      const i = y * frame.width + x;
      picture.r[i]! *= 1 - 0.7 * g;
      picture.g[i]! *= 1 - g;
      picture.b[i]! *= 1 - g;
    }
  }
  if (random.chance(0.5)) {
    const reflex = new Layer(frame.width, frame.height);
    const r = Math.max(1, 0.007 * frame.scale);
    fillBlob(reflex, { x: fx, y: fy, rx: r, ry: r, angle: 0, wobble: [], softness: r, rim: 0, intensity: 1 });
    cover(picture, reflex, [1, 0.95, 0.85], look.exposure > 1 ? 0.25 : 0.4);
  }
}

/** Optic disc: pale yellow-pink rim with a whiter cup, slightly taller than wide, with a faint halo. */
function paintDisc(picture: Picture, frame: FundusFrame, anatomy: Anatomy, random: Random): void {
  const { x, y } = frame.toImage(anatomy.disc);
  const rx = anatomy.discRadius * frame.scale;
  const angle = frame.toImageAngle(0);
  const halo = new Layer(frame.width, frame.height);
  fillBlob(halo, { x, y, rx: rx * 1.4, ry: rx * 1.55, angle, wobble: [], softness: rx * 0.6, rim: 0, intensity: 1 });
  cover(picture, halo, [0.95, 0.6, 0.32], 0.1);

  const disc = new Layer(frame.width, frame.height);
  const wobble = [{ order: 3, amplitude: random.range(0, 0.04), phase: random.range(0, 6) }];
  fillBlob(disc, { x, y, rx, ry: rx * random.range(1.04, 1.15), angle, wobble, softness: rx * 0.08, rim: 0.7, intensity: 1 });
  cover(picture, disc, [random.range(0.95, 1), random.range(0.68, 0.78), random.range(0.4, 0.5)], random.range(0.7, 0.85));

  // The cup sits a little temporal of the disc centre.
  const cupCentre = frame.toImage({ u: anatomy.disc.u + 0.15 * anatomy.discRadius, v: anatomy.disc.v });
  const cupRadius = rx * anatomy.cupRatio;
  const cup = new Layer(frame.width, frame.height);
  fillBlob(cup, { ...cupCentre, rx: cupRadius, ry: cupRadius * 1.1, angle, wobble: [], softness: cupRadius * 0.5, rim: 0.6, intensity: 1 });
  cover(picture, cup, [1, 0.9, 0.72], random.range(0.6, 0.85));
}

/** The camera's side: exposure, vignetting, uneven light, sensor noise, tone curve, circular aperture. */
function develop(picture: Picture, lesionMask: Layer, frame: FundusFrame, look: Look, random: Random): { rgb: Buffer; mask: Buffer } {
  const { width, height, scale, cx, cy } = frame;
  const rgb = Buffer.alloc(width * height * 3);
  const mask = Buffer.alloc(width * height);
  const tone = toneCurve(look.gamma);
  const last = tone.length - 1;
  const quantise = (value: number): number => tone[Math.round(Math.min(1, Math.max(0, value)) * last)]!;
  const noise = (): number => (random.next() + random.next() - 1) * look.noise * 2;
  // The field stop of the camera is slightly blurred, about 1.5 px wide.
  const edge = Math.max(1, 0.006 * scale);
  for (let y = 0; y < height; y++) {
    const dy = y + 0.5 - cy;
    for (let x = 0; x < width; x++) {
      const dx = x + 0.5 - cx;
      const d = Math.sqrt(dx * dx + dy * dy);
      const aperture = Math.min(1, Math.max(0, (scale - d) / edge + 0.5));
      if (aperture <= 0) continue;
      const i = y * width + x;
      const rho = d / scale;
      const rim = rho > 0.86 ? smooth(Math.min(1, (rho - 0.86) / 0.14)) : 0;
      const light = (1 - look.vignette * rho * rho * rho - 0.25 * rim + (look.lightX * dx + look.lightY * dy) / scale) * look.exposure * aperture;
      rgb[3 * i] = quantise(picture.r[i]! * light + noise());
      rgb[3 * i + 1] = quantise(picture.g[i]! * light + noise());
      rgb[3 * i + 2] = quantise(picture.b[i]! * light + noise());
      if (aperture >= 0.5 && lesionMask.data[i]! >= 0.5) mask[i] = 255;
    }
  }
  return { rgb, mask };
}

function toneCurve(gamma: number): Uint8Array {
  const lut = new Uint8Array(1024);
  for (let k = 0; k < lut.length; k++) lut[k] = Math.round(255 * Math.pow(k / (lut.length - 1), 1 / gamma));
  return lut;
}
