// Anti-aliased drawing into float buffers. Shapes are drawn into a Layer (opacity 0..1, overlapping
// shapes combine by maximum so joints and clusters stay seamless), then a layer is composited onto the
// Picture once. Every shape touches only its own bounding box. A shape can also record its geometric
// coverage, regardless of opacity, into a mask layer: that is how lesions reach the lesion mask.

export type Rgb = readonly [number, number, number];

/** Planar RGB, each channel 0..1 (display-referred, before exposure and tone curve). */
export class Picture {
  readonly r: Float32Array;
  readonly g: Float32Array;
  readonly b: Float32Array;

  constructor(readonly width: number, readonly height: number) {
    this.r = new Float32Array(width * height);
    this.g = new Float32Array(width * height);
    this.b = new Float32Array(width * height);
  }
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export class Layer {
  readonly data: Float32Array;
  /** Union of the boxes drawn so far (x1, y1 exclusive), so compositing skips untouched rows. */
  private dirty: Box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };

  constructor(readonly width: number, readonly height: number) {
    this.data = new Float32Array(width * height);
  }

  /** Clips a box to the frame, records it as drawn and returns it, or null when it is off the frame. */
  claim(x0: number, y0: number, x1: number, y1: number): Box | null {
    const box = {
      x0: Math.max(0, Math.floor(x0)),
      y0: Math.max(0, Math.floor(y0)),
      x1: Math.min(this.width, Math.ceil(x1)),
      y1: Math.min(this.height, Math.ceil(y1)),
    };
    if (box.x0 >= box.x1 || box.y0 >= box.y1) return null;
    this.dirty = {
      x0: Math.min(this.dirty.x0, box.x0),
      y0: Math.min(this.dirty.y0, box.y0),
      x1: Math.max(this.dirty.x1, box.x1),
      y1: Math.max(this.dirty.y1, box.y1),
    };
    return box;
  }

  drawnBox(): Box | null {
    return this.dirty.x0 < this.dirty.x1 ? this.dirty : null;
  }
}

/** Light absorbed by blood: each channel is scaled towards `transmission` where the layer is opaque. */
export function absorb(picture: Picture, layer: Layer, transmission: Rgb, strength = 1): void {
  forEachDrawn(layer, (i, a) => {
    const k = a * strength;
    picture.r[i]! *= 1 - k * (1 - transmission[0]);
    picture.g[i]! *= 1 - k * (1 - transmission[1]);
    picture.b[i]! *= 1 - k * (1 - transmission[2]);
  });
}

/** An opaque deposit (exudate, cotton-wool spot, disc tissue) laid over the picture. */
export function cover(picture: Picture, layer: Layer, colour: Rgb, strength = 1): void {
  forEachDrawn(layer, (i, a) => {
    const k = a * strength;
    picture.r[i] = picture.r[i]! + (colour[0] - picture.r[i]!) * k;
    picture.g[i] = picture.g[i]! + (colour[1] - picture.g[i]!) * k;
    picture.b[i] = picture.b[i]! + (colour[2] - picture.b[i]!) * k;
  });
}

function forEachDrawn(layer: Layer, visit: (index: number, alpha: number) => void): void {
  const box = layer.drawnBox();
  if (!box) return;
  const data = layer.data;
  for (let y = box.y0; y < box.y1; y++) {
    for (let i = y * layer.width + box.x0, end = y * layer.width + box.x1; i < end; i++) {
      const a = data[i]!;
      if (a > 0) visit(i, a);
    }
  }
}

export interface StrokeStyle {
  /** Cylindrical profile: a vessel is densest along its axis. Without it the stroke is uniform. */
  rounded: boolean;
  /** Pale line along the axis, the light reflex of arterial walls. */
  reflex: boolean;
  intensity: number;
}

/** A tapered segment from a (half-width ra) to b (half-width rb), in pixels. */
function strokeSegment(
  layer: Layer,
  ax: number, ay: number, ra: number,
  bx: number, by: number, rb: number,
  style: StrokeStyle,
  mask?: Layer,
): void {
  const reach = Math.max(ra, rb, MIN_HALF_WIDTH) + 1;
  const [x0, y0, x1, y1] = [Math.min(ax, bx) - reach, Math.min(ay, by) - reach, Math.max(ax, bx) + reach, Math.max(ay, by) + reach];
  const box = layer.claim(x0, y0, x1, y1);
  if (!box) return;
  mask?.claim(x0, y0, x1, y1);
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSq = dx * dx + dy * dy || 1e-9;
  const data = layer.data;
  for (let y = box.y0; y < box.y1; y++) {
    const py = y + 0.5 - ay;
    for (let x = box.x0; x < box.x1; x++) {
      const px = x + 0.5 - ax;
      const t = Math.min(1, Math.max(0, (px * dx + py * dy) / lengthSq));
      const ex = px - t * dx;
      const ey = py - t * dy;
      const d = Math.sqrt(ex * ex + ey * ey);
      const half = ra + (rb - ra) * t;
      // Vessels thinner than a pixel are drawn one pixel wide but fainter, as a camera would blur them.
      const drawnHalf = Math.max(half, MIN_HALF_WIDTH);
      const coverage = drawnHalf - d + 0.5;
      if (coverage <= 0) continue;
      const i = y * layer.width + x;
      if (mask && coverage > mask.data[i]!) mask.data[i] = Math.min(1, coverage);
      let value = Math.min(1, coverage) * style.intensity * Math.min(1, half / MIN_HALF_WIDTH);
      if (style.rounded) {
        const q = Math.min(1, d / drawnHalf);
        value *= 0.55 + 0.45 * Math.sqrt(1 - q * q);
      }
      if (style.reflex && half > 1.2) {
        const r = d / (0.28 * half);
        value *= 1 - 0.35 * Math.exp(-r * r);
      }
      if (value > data[i]!) data[i] = value;
    }
  }
}

const MIN_HALF_WIDTH = 0.6;

export interface StrokePoint {
  x: number;
  y: number;
  /** Half-width in pixels. */
  r: number;
}

export function strokePolyline(layer: Layer, points: readonly StrokePoint[], style: StrokeStyle, mask?: Layer): void {
  for (let k = 1; k < points.length; k++) {
    const a = points[k - 1]!;
    const b = points[k]!;
    strokeSegment(layer, a.x, a.y, a.r, b.x, b.y, b.r, style, mask);
  }
}

/** Outline wobble: the radius is scaled by 1 + Σ amplitude·cos(order·θ + phase). */
export interface Wobble {
  order: number;
  amplitude: number;
  phase: number;
}

const MIN_BLOB_RADIUS = 0.75;

export interface BlobShape {
  x: number;
  y: number;
  /** Semi-axes in pixels, before rotation by `angle` (radians, image frame). */
  rx: number;
  ry: number;
  angle: number;
  wobble: readonly Wobble[];
  /** Width of the edge falloff in pixels; 1 is a crisp anti-aliased edge. */
  softness: number;
  /** Value at the rim relative to the centre: 1 for an even fill, lower for a denser core. */
  rim: number;
  intensity: number;
  /** Clips everything above this image row: the fluid level of a pre-retinal haemorrhage. */
  flatTopY?: number;
}

export function fillBlob(layer: Layer, shape: BlobShape, mask?: Layer): void {
  // A lesion smaller than a pixel still darkens (and is marked in) the pixel it lies in, but faintly.
  const grow = Math.max(1, MIN_BLOB_RADIUS / Math.min(shape.rx, shape.ry));
  const s = { ...shape, rx: shape.rx * grow, ry: shape.ry * grow, intensity: shape.intensity / (grow * grow) };
  const wobbleMax = s.wobble.reduce((sum, w) => sum + Math.abs(w.amplitude), 0);
  const reach = Math.max(s.rx, s.ry) * (1 + wobbleMax) + s.softness + 1;
  const [x0, y0, x1, y1] = [s.x - reach, Math.max(s.y - reach, s.flatTopY ?? -Infinity), s.x + reach, s.y + reach];
  const box = layer.claim(x0, y0, x1, y1);
  if (!box) return;
  mask?.claim(x0, y0, x1, y1);
  const cos = Math.cos(s.angle);
  const sin = Math.sin(s.angle);
  const data = layer.data;
  for (let y = box.y0; y < box.y1; y++) {
    const py = y + 0.5 - s.y;
    const topCoverage = s.flatTopY === undefined ? 1 : Math.min(1, y + 0.5 - s.flatTopY + 0.5);
    if (topCoverage <= 0) continue;
    for (let x = box.x0; x < box.x1; x++) {
      const px = x + 0.5 - s.x;
      const lx = (px * cos + py * sin) / s.rx;
      const ly = (py * cos - px * sin) / s.ry;
      const rho = Math.sqrt(lx * lx + ly * ly);
      let bound = 1;
      if (s.wobble.length > 0) {
        const theta = Math.atan2(ly, lx);
        for (const w of s.wobble) bound += w.amplitude * Math.cos(w.order * theta + w.phase);
      }
      // Radius of the ellipse in this direction, to turn the normalised gap into pixels.
      const pixelsPerUnit = rho > 1e-6 ? Math.sqrt(px * px + py * py) / rho : Math.min(s.rx, s.ry);
      const edge = (bound - rho) * pixelsPerUnit;
      const coverage = Math.min(1, edge / s.softness + 0.5) * topCoverage;
      if (coverage <= 0) continue;
      const i = y * layer.width + x;
      if (mask && coverage > mask.data[i]!) mask.data[i] = coverage;
      const depth = Math.min(1, rho / bound);
      const value = coverage * s.intensity * (s.rim + (1 - s.rim) * (1 - depth * depth));
      if (value > data[i]!) data[i] = value;
    }
  }
}
