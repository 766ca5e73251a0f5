// A Grad-CAM map carried from the model's input back onto the photograph it came from, by undoing the
// preprocessing's geometry (the crop to the fundus or to the centre, the fit, the padding): a heat map
// and an outline with the photograph's proportions, which Review lays over the colour picture at its zoom.
import sharp from 'sharp';
import type { TaskKind } from '../../../shared/domain';
import { fittedImage, type ImageSource } from '../../imaging/decode';
import { fundusBounds } from '../../imaging/fundus-preprocess';
import { jet, sampleBilinear, type GradCamMap } from './gradcam';

interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where the model's input came from: `region` of the photograph (fitted to `frame`) became `inner` of the size × size input. */
export interface InputPlacement {
  frame: { width: number; height: number };
  region: Rect;
  inner: Rect;
}

/** The outline's levels (share of the map's peak) and colours: the hottest part yellow, the wider one cyan. */
const OUTLINE_LEVELS: ReadonlyArray<{ level: number; rgb: [number, number, number] }> = [
  { level: 0.5, rgb: [77, 214, 255] },
  { level: 0.75, rgb: [255, 225, 77] },
];

/** The same steps as src/main/ml/features/preprocessing.ts, measured rather than applied. */
export async function inputPlacement(encoded: ImageSource, kind: TaskKind, size: number): Promise<InputPlacement> {
  if (kind === 'dr-grade') {
    const { data, info } = await fittedImage(encoded, size * 2).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const frame = { width: info.width, height: info.height };
    const region = fundusBounds({ data, width: frame.width, height: frame.height, channels: 3 });
    return { frame, region, inner: fitted(region, size) };
  }
  const meta = await fittedImage(encoded, size * 4).toBuffer({ resolveWithObject: true });
  const frame = { width: meta.info.width, height: meta.info.height };
  if (kind === 'multiclass') {
    const side = Math.min(frame.width, frame.height);
    return { frame, region: { left: Math.floor((frame.width - side) / 2), top: Math.floor((frame.height - side) / 2), width: side, height: side }, inner: { left: 0, top: 0, width: size, height: size } };
  }
  const region = { left: 0, top: 0, ...frame };
  return { frame, region, inner: fitted(region, size) };
}

/** `region` fitted inside a size × size square and centred in it, as sharp's `fit: 'inside'` and the padding do. */
function fitted(region: Rect, size: number): Rect {
  const scale = Math.min(size / region.width, size / region.height);
  const width = Math.max(1, Math.round(region.width * scale));
  const height = Math.max(1, Math.round(region.height * scale));
  return { left: Math.floor((size - width) / 2), top: Math.floor((size - height) / 2), width, height };
}

/** The map's value at each photograph pixel (NaN outside the region the model saw). */
export function mapOnPhoto(map: GradCamMap, placement: InputPlacement, size: number): Float32Array {
  const { frame, region, inner } = placement;
  const values = new Float32Array(frame.width * frame.height).fill(Number.NaN);
  for (let y = region.top; y < region.top + region.height; y++) {
    for (let x = region.left; x < region.left + region.width; x++) {
      const ix = inner.left + ((x - region.left + 0.5) / region.width) * inner.width;
      const iy = inner.top + ((y - region.top + 0.5) / region.height) * inner.height;
      values[y * frame.width + x] = sampleBilinear(map, (ix / size) * map.width - 0.5, (iy / size) * map.height - 0.5);
    }
  }
  return values;
}

/** The heat map (jet colours, alpha rising with heat) and the outline at two levels, as PNGs with the photograph's proportions. */
export async function gradCamOnPhoto(map: GradCamMap, placement: InputPlacement, size: number): Promise<{ heat: Buffer; outline: Buffer }> {
  const { width, height } = placement.frame;
  const values = mapOnPhoto(map, placement, size);
  const heat = Buffer.alloc(width * height * 4);
  const outline = Buffer.alloc(width * height * 4);
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= width || y >= height ? Number.NaN : values[y * width + x]!);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = at(x, y);
      if (Number.isNaN(value)) continue;
      const i = (y * width + x) * 4;
      const [r, g, b] = jet(value);
      heat.set([r, g, b, Math.round(255 * Math.min(1, value * 1.25))], i);
      for (const { level, rgb } of OUTLINE_LEVELS) {
        // A pixel at or above the level with a neighbour below it lies on the level's contour; two pixels wide.
        if (value < level) continue;
        const edge = [at(x - 1, y), at(x + 1, y), at(x, y - 1), at(x, y + 1), at(x - 2, y), at(x + 2, y), at(x, y - 2), at(x, y + 2)].some((n) => !(n >= level));
        if (edge) outline.set([...rgb, 255], i);
      }
    }
  }
  const png = (rgba: Buffer) => sharp(rgba, { raw: { width, height, channels: 4 } }).png().toBuffer();
  return { heat: await png(heat), outline: await png(outline) };
}
