// Grad-CAM (Selvaraju et al. 2017) for a model trained on pooled backbone features: the backbone's
// last convolutional maps, weighted by the gradient of the head's score for a class with respect to
// them. The maps are computed once without a tape; only the pooling, standardisation and head are
// differentiated, which the wasm backend can do (it has no convolution gradients).
import type { HeadKind } from '../../../shared/ml';
import { tf } from '../engine/backend';
import type { FeatureExtractor } from '../backbones/load';
import type { LoadedHead } from '../models/model-files';

export interface GradCamMap {
  /** h × w, row-major, scaled to [0, 1] (all zeros when nothing supports the class). */
  values: Float32Array;
  width: number;
  height: number;
  targetClass: number;
}

/**
 * The head output that stands for "class k": the class probability (softmax, multilabel), P(grade ≥ k)
 * for ordinal heads (grade 0: the evidence against grade ≥ 1), the regressed grade for regression.
 */
function classScore(kind: HeadKind, outputs: tf.Tensor2D, targetClass: number): tf.Scalar {
  const units = outputs.shape[1];
  if (kind === 'regression') return tf.sum(outputs) as tf.Scalar;
  if (kind === 'ordinal' && targetClass === 0) return tf.neg(tf.sum(tf.mul(outputs, tf.oneHot([1], units)))) as tf.Scalar;
  // mul by a one-hot, not gather: gather's gradient needs a kernel the wasm backend lacks.
  return tf.sum(tf.mul(outputs, tf.oneHot([targetClass], units))) as tf.Scalar;
}

/**
 * One network's view of an image for Grad-CAM: its last convolutional maps, and what its head makes
 * of them. A head-strategy model has one part (shared backbone maps, fold heads averaged); a
 * fine-tuned model has one per fold, since each fold tuned its own top blocks.
 */
export interface CamPart {
  maps: tf.Tensor4D;
  outputs(maps: tf.Tensor4D): tf.Tensor2D;
}

/** Grad-CAM [h, w] from each part's maps and the gradient of its head's class score, averaged over parts, scaled to [0, 1]. */
export function gradCamOfParts(parts: readonly CamPart[], kind: HeadKind, targetClass: number): tf.Tensor2D {
  return tf.tidy(() => {
    const cams = parts.map(({ maps, outputs }) => {
      const gradients = tf.grad((m: tf.Tensor) => classScore(kind, outputs(m as tf.Tensor4D), targetClass))(maps);
      const channelWeights = tf.mean(gradients, [1, 2], true);
      return tf.sum(tf.mul(maps, channelWeights), -1).squeeze([0]) as tf.Tensor2D;
    });
    const cam = tf.relu(tf.mean(tf.stack(cams), 0)) as tf.Tensor2D;
    return tf.div(cam, tf.maximum(tf.max(cam), 1e-12)) as tf.Tensor2D;
  });
}

/** A Grad-CAM tensor as a map, read asynchronously (WebGPU in Node cannot read synchronously); the tensor is disposed. */
export async function readGradCam(scaled: tf.Tensor2D, targetClass: number): Promise<GradCamMap> {
  const [height, width] = scaled.shape;
  try {
    return { values: (await scaled.data()) as Float32Array, width, height, targetClass };
  } finally {
    scaled.dispose();
  }
}

/** Grad-CAM of one model-ready image (size × size × 3 bytes) for a class, averaged over the fold heads. */
export function gradCam(extractor: FeatureExtractor, heads: readonly LoadedHead[], kind: HeadKind, pixels: Buffer, targetClass: number): Promise<GradCamMap> {
  const size = extractor.inputSize;
  const scaled = tf.tidy(() => {
    const input = extractor.normalise(tf.tensor4d(new Uint8Array(pixels), [1, size, size, 3], 'int32'));
    const maps = extractor.maps(input);
    const pooled = (m: tf.Tensor4D) => (extractor.pooled ? extractor.pooled(m, input) : tf.mean(m, [1, 2]));
    const outputs = (m: tf.Tensor4D) =>
      tf.mean(
        tf.stack(
          heads.map(({ head, standardisation }) => {
            const x = tf.div(tf.sub(pooled(m), standardisation.mean), standardisation.std) as tf.Tensor2D;
            return head.apply(x, { training: false }) as tf.Tensor2D;
          }),
        ),
        0,
      ) as tf.Tensor2D;
    return gradCamOfParts([{ maps, outputs }], kind, targetClass);
  });
  return readGradCam(scaled, targetClass);
}

/** A heat map as RGBA at `size` × `size`: transparent where cold, jet colours with rising opacity where hot. */
export function heatmapRgba(map: GradCamMap, size: number): Buffer {
  const out = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const value = sampleBilinear(map, ((x + 0.5) / size) * map.width - 0.5, ((y + 0.5) / size) * map.height - 0.5);
      const [r, g, b] = jet(value);
      const i = (y * size + x) * 4;
      out[i] = r;
      out[i + 1] = g;
      out[i + 2] = b;
      out[i + 3] = Math.round(255 * Math.min(1, value * 1.25));
    }
  }
  return out;
}

/** The map resampled to `size` × `size` (bilinear), for comparing with masks at the model input's geometry. */
export function upsample(map: GradCamMap, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) out[y * size + x] = sampleBilinear(map, ((x + 0.5) / size) * map.width - 0.5, ((y + 0.5) / size) * map.height - 0.5);
  }
  return out;
}

/** The map's value at (fx, fy) in map cells (pixel centres at whole numbers), bilinear. */
export function sampleBilinear(map: GradCamMap, fx: number, fy: number): number {
  const x0 = Math.max(0, Math.min(map.width - 1, Math.floor(fx)));
  const y0 = Math.max(0, Math.min(map.height - 1, Math.floor(fy)));
  const x1 = Math.min(map.width - 1, x0 + 1);
  const y1 = Math.min(map.height - 1, y0 + 1);
  const tx = Math.max(0, Math.min(1, fx - x0));
  const ty = Math.max(0, Math.min(1, fy - y0));
  const at = (x: number, y: number) => map.values[y * map.width + x]!;
  return (at(x0, y0) * (1 - tx) + at(x1, y0) * tx) * (1 - ty) + (at(x0, y1) * (1 - tx) + at(x1, y1) * tx) * ty;
}

/** The jet colour map: blue → cyan → yellow → red. */
export function jet(value: number): [number, number, number] {
  const v = Math.max(0, Math.min(1, value));
  const channel = (offset: number) => Math.round(255 * Math.max(0, Math.min(1, 1.5 - Math.abs(4 * v - offset))));
  return [channel(3), channel(2), channel(1)];
}
