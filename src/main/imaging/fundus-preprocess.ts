import sharp from 'sharp';
import { fittedImage, type ImageSource } from './decode';

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3;
}

/** Pixels darker than this (mean of R, G, B) are the camera's black surround, not retina. */
const BACKGROUND_LEVEL = 12;

/**
 * The bounding box of the fundus: rows and columns with enough bright pixels. Noise and text burnt
 * into the black border are ignored by requiring a run of bright pixels, not a single one.
 */
export function fundusBounds(image: RawImage): { left: number; top: number; width: number; height: number } {
  const { data, width, height } = image;
  const minimumRun = Math.max(2, Math.round(Math.min(width, height) * 0.02));
  const bright = (x: number, y: number) => {
    const i = (y * width + x) * 3;
    return data[i]! + data[i + 1]! + data[i + 2]! > BACKGROUND_LEVEL * 3;
  };
  const rowHasFundus = (y: number) => {
    let run = 0;
    for (let x = 0; x < width; x++) if ((run = bright(x, y) ? run + 1 : 0) >= minimumRun) return true;
    return false;
  };
  const columnHasFundus = (x: number) => {
    let run = 0;
    for (let y = 0; y < height; y++) if ((run = bright(x, y) ? run + 1 : 0) >= minimumRun) return true;
    return false;
  };
  let top = 0;
  while (top < height - 1 && !rowHasFundus(top)) top++;
  let bottom = height - 1;
  while (bottom > top && !rowHasFundus(bottom)) bottom--;
  let left = 0;
  while (left < width - 1 && !columnHasFundus(left)) left++;
  let right = width - 1;
  while (right > left && !columnHasFundus(right)) right--;
  if (right - left < width * 0.1 || bottom - top < height * 0.1) return { left: 0, top: 0, width, height };
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * Ben Graham's normalisation (Kaggle DR 2015): subtract a Gaussian-blurred copy to remove uneven
 * illumination and bring out small lesions, `4·image − 4·blurred + 128`, with the area outside the
 * fundus circle set to mid-grey. `blurred` must be the same image blurred with sigma ≈ radius/30.
 */
export function benGraham(image: RawImage, blurred: Buffer, circle: { cx: number; cy: number; radius: number }): Buffer {
  const { data, width, height } = image;
  const out = Buffer.alloc(data.length);
  const r2 = (circle.radius * 0.96) ** 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inside = (x - circle.cx) ** 2 + (y - circle.cy) ** 2 <= r2;
      for (let c = 0; c < 3; c++) {
        out[i + c] = inside ? Math.max(0, Math.min(255, 4 * data[i + c]! - 4 * blurred[i + c]! + 128)) : 128;
      }
    }
  }
  return out;
}

/**
 * The fundus cropped from its black border, normalised, and resized to fit `size`. The fundus is
 * assumed round and centred in its bounding box; where the camera cut it at top and bottom, the
 * width gives the diameter.
 */
export async function preprocessFundus(encoded: ImageSource, size: number): Promise<RawImage> {
  const decoded = await fittedImage(encoded, size * 2).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const full: RawImage = { data: decoded.data, width: decoded.info.width, height: decoded.info.height, channels: 3 };
  const box = fundusBounds(full);
  const cropped = await sharp(full.data, { raw: { width: full.width, height: full.height, channels: 3 } })
    .extract(box)
    .resize(size, size, { fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const image: RawImage = { data: cropped.data, width: cropped.info.width, height: cropped.info.height, channels: 3 };
  const radius = Math.max(image.width, image.height) / 2;
  const blurred = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .blur(Math.max(0.3, radius / 30))
    .raw()
    .toBuffer();
  return { ...image, data: benGraham(image, blurred, { cx: image.width / 2, cy: image.height / 2, radius }) };
}
