// Random augmentations of model-ready pixels, drawn per image at every step of fine-tuning on a GPU:
// horizontal and vertical flips, a rotation by any angle, a small zoom (one bilinear resampling through
// tf.image.transform), then brightness and contrast. Fundus photographs have no "up", so any rotation
// and both flips keep the grade; the zoom stays small so that lesions at the rim stay in view.
import type { Random } from '../../../util/random';
import { tf } from '../../engine/backend';

export interface PixelAugmentation {
  flips: boolean;
  /** Largest rotation either way, degrees. */
  maxRotationDegrees: number;
  /** Zoom drawn from [1 − maxZoom, 1 + maxZoom]. */
  maxZoom: number;
  /** Brightness shift drawn from ±maxBrightness × 255. */
  maxBrightness: number;
  /** Contrast factor drawn from [1 − maxContrast, 1 + maxContrast], about each image's mean. */
  maxContrast: number;
}

export const DEFAULT_PIXEL_AUGMENTATION: PixelAugmentation = { flips: true, maxRotationDegrees: 180, maxZoom: 0.1, maxBrightness: 0.1, maxContrast: 0.2 };

/**
 * The projective transform (output pixel → input pixel, tf.image.transform's 8 numbers) of one draw:
 * about the image's centre, flip, then scale by 1 / zoom, then rotate.
 */
export function transformOf(size: number, draw: { flipH: boolean; flipV: boolean; radians: number; zoom: number }): number[] {
  const centre = (size - 1) / 2;
  const cos = Math.cos(draw.radians);
  const sin = Math.sin(draw.radians);
  const sx = (draw.flipH ? -1 : 1) / draw.zoom;
  const sy = (draw.flipV ? -1 : 1) / draw.zoom;
  const [a0, a1, b0, b1] = [cos * sx, -sin * sy, sin * sx, cos * sy];
  return [a0, a1, centre - a0 * centre - a1 * centre, b0, b1, centre - b0 * centre - b1 * centre, 0, 0];
}

/** Pixels [n, h, w, 3] in 0..255 (any dtype) → augmented float32 pixels in 0..255; the input is left alone. */
export function augmentPixels(pixels: tf.Tensor4D, augmentation: PixelAugmentation, random: Random): tf.Tensor4D {
  const [n, size] = pixels.shape;
  const transforms: number[] = [];
  const brightness: number[] = [];
  const contrast: number[] = [];
  for (let i = 0; i < n; i++) {
    transforms.push(
      ...transformOf(size, {
        flipH: augmentation.flips && random.next() < 0.5,
        flipV: augmentation.flips && random.next() < 0.5,
        radians: (random.range(-augmentation.maxRotationDegrees, augmentation.maxRotationDegrees) * Math.PI) / 180,
        zoom: random.range(1 - augmentation.maxZoom, 1 + augmentation.maxZoom),
      }),
    );
    brightness.push(random.range(-augmentation.maxBrightness, augmentation.maxBrightness) * 255);
    contrast.push(random.range(1 - augmentation.maxContrast, 1 + augmentation.maxContrast));
  }
  return tf.tidy(() => {
    const moved = tf.image.transform(tf.cast(pixels, 'float32'), tf.tensor2d(transforms, [n, 8]), 'bilinear', 'nearest');
    const mean = tf.mean(moved, [1, 2, 3], true);
    const c = tf.tensor4d(contrast, [n, 1, 1, 1]);
    const b = tf.tensor4d(brightness, [n, 1, 1, 1]);
    return tf.clipByValue(tf.add(tf.add(tf.mul(tf.sub(moved, mean), c), mean), b), 0, 255) as tf.Tensor4D;
  });
}
