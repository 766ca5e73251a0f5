// Where things lie in a synthetic fundus photograph. Anatomy is described in a frame that is the same for
// both eyes: units of the fundus radius, origin at the centre of the fundus circle, u pointing temporally
// (from the disc towards the fovea) and v pointing superiorly. FundusFrame maps it onto the image.

import type { Eye } from '../../shared/domain';
import type { Random } from '../util/random';

export interface Point {
  u: number;
  v: number;
}

export interface Anatomy {
  disc: Point;
  discRadius: number;
  /** Cup-to-disc ratio. */
  cupRatio: number;
  fovea: Point;
}

/** Optic disc diameter relative to the fundus radius in a 45° macula-centred photograph. */
const DISC_DIAMETER = [0.24, 0.29] as const;
/** The fovea lies about 2.5 disc diameters temporal to the disc centre. */
const DISC_TO_FOVEA = 2.5;

export function placeAnatomy(random: Random): Anatomy {
  const discRadius = random.range(...DISC_DIAMETER) / 2;
  const fovea = { u: random.range(0.06, 0.22), v: random.range(-0.06, 0.04) };
  const distance = DISC_TO_FOVEA * 2 * discRadius * random.range(0.93, 1.07);
  // The disc usually sits slightly above the fovea.
  const tilt = random.range(0.02, 0.16);
  const disc = { u: fovea.u - distance * Math.cos(tilt), v: fovea.v + distance * Math.sin(tilt) };
  return { disc, discRadius, cupRatio: random.range(0.25, 0.5), fovea };
}

export interface FrameLayout {
  width: number;
  height: number;
  eye: Eye;
}

/** The camera: where the fundus circle sits in the image, its size, and the eye's orientation. */
export class FundusFrame {
  readonly width: number;
  readonly height: number;
  readonly cx: number;
  readonly cy: number;
  /** Fundus radius in pixels: one anatomical unit. */
  readonly scale: number;
  private readonly cos: number;
  private readonly sin: number;
  /** +1 when temporal is image right (left eye, seen from the front), −1 for a right eye. */
  private readonly temporal: number;

  constructor(layout: FrameLayout, random: Random) {
    this.width = layout.width;
    this.height = layout.height;
    const halfShort = Math.min(layout.width, layout.height) / 2;
    // Many cameras crop the top and bottom of the circle; others show the whole circle with a margin.
    const cropped = random.chance(layout.width > layout.height * 1.1 ? 0.8 : 0.3);
    const radius = cropped
      ? layout.height / 2 * random.range(1.04, 1.22)
      : halfShort * random.range(0.86, 0.98);
    this.scale = Math.min(radius, layout.width / 2 * random.range(0.92, 0.99));
    this.cx = layout.width / 2 + random.normal(0, 0.01) * this.scale;
    this.cy = layout.height / 2 + random.normal(0, 0.01) * this.scale;
    const rotation = random.normal(0, 0.12);
    this.cos = Math.cos(rotation);
    this.sin = Math.sin(rotation);
    this.temporal = layout.eye === 'left' ? 1 : -1;
  }

  toImage(p: Point): { x: number; y: number } {
    const a = this.temporal * p.u;
    const b = -p.v;
    return {
      x: this.cx + this.scale * (a * this.cos - b * this.sin),
      y: this.cy + this.scale * (a * this.sin + b * this.cos),
    };
  }

  /** An anatomical direction (radians from +u towards +v) as an image angle. */
  toImageAngle(angle: number): number {
    const a = this.temporal * Math.cos(angle);
    const b = -Math.sin(angle);
    return Math.atan2(a * this.sin + b * this.cos, a * this.cos - b * this.sin);
  }

  /** Inside the fundus circle by `margin` (fundus radii) and inside the image by `margin` as well. */
  isVisible(p: Point, margin = 0): boolean {
    if (Math.hypot(p.u, p.v) > 1 - margin) return false;
    const { x, y } = this.toImage(p);
    const m = margin * this.scale;
    return x >= m && y >= m && x <= this.width - m && y <= this.height - m;
  }
}
