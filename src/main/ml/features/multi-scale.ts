// Multi-scale frozen features of a fundus photograph: the backbone on the whole fundus at a larger input
// (448 px) and on overlapping 224-px tiles cut from the fundus near its own resolution, the tiles'
// vectors pooled by mean and by max, all joined into one vector. The model-ready pixels are the tile
// canvas (canvas × canvas); the whole-fundus input is that canvas resized, so every view (flip,
// rotation) of the canvas gives matching whole-fundus and tile inputs.
import { TILE_SIZE, type FeatureConfiguration } from '../../../shared/ml';
import { tf } from '../engine/backend';
import type { FeatureExtractor } from '../backbones/load';
import { pixelTensor } from './pixel-batches';

/** Top-left offsets of `grid` tiles of `tile` px spanning `canvas` px: the first at 0, the last at canvas − tile, evenly between. */
export function tileOffsets(canvas: number, tile: number, grid: number): number[] {
  if (grid === 1 || canvas <= tile) return [Math.max(0, Math.floor((canvas - tile) / 2))];
  return Array.from({ length: grid }, (_, i) => Math.round((i * (canvas - tile)) / (grid - 1)));
}

/** Every tile's top-left corner [y, x], row by row. */
export function tileCorners(canvas: number, tile: number, grid: number): Array<[number, number]> {
  const offsets = tileOffsets(canvas, tile, grid);
  return offsets.flatMap((y) => offsets.map((x): [number, number] => [y, x]));
}

/** The side of the model-ready pixels a configuration takes. */
export function canvasSize(configuration: FeatureConfiguration, inputSize: number): number {
  return configuration.tiles?.canvas ?? configuration.globalSize ?? inputSize;
}

/** A tile of an RGB image (canvas × canvas × 3 bytes) as its own tile × tile × 3 bytes. */
export function cropTile(pixels: Uint8Array, canvas: number, [y, x]: [number, number], tile: number): Uint8Array {
  const out = new Uint8Array(tile * tile * 3);
  for (let row = 0; row < tile; row++) {
    const from = ((y + row) * canvas + x) * 3;
    out.set(pixels.subarray(from, from + tile * 3), row * tile * 3);
  }
  return out;
}

/** [whole, mean of tiles, max of tiles] as one vector. */
function joined(whole: Float32Array, tiles: readonly Float32Array[]): Float32Array {
  const dim = tiles[0]!.length;
  const out = new Float32Array(whole.length + 2 * dim);
  out.set(whole);
  for (let d = 0; d < dim; d++) {
    let sum = 0;
    let max = -Infinity;
    for (const tile of tiles) {
      sum += tile[d]!;
      if (tile[d]! > max) max = tile[d]!;
    }
    out[whole.length + d] = sum / tiles.length;
    out[whole.length + dim + d] = max;
  }
  return out;
}

/**
 * The feature extractor of a multi-scale configuration, from extractors of the same backbone at the
 * whole-fundus size and at the tile size (`load`). Through ONNX Runtime when both parts run there;
 * otherwise tfjs. `normalise` only makes the pixels float (0..255): each part normalises its own input.
 */
export async function multiScaleExtractor(configuration: FeatureConfiguration, load: (size: number) => Promise<FeatureExtractor>): Promise<FeatureExtractor> {
  const globalSize = configuration.globalSize!;
  const canvas = canvasSize(configuration, globalSize);
  const whole = await load(globalSize);
  let tile: FeatureExtractor | null = null;
  try {
    tile = configuration.tiles ? await load(TILE_SIZE) : null;
  } catch (error) {
    whole.dispose();
    throw error;
  }
  const corners = configuration.tiles ? tileCorners(canvas, TILE_SIZE, configuration.tiles.grid) : [];

  /** The whole fundus at its input size, rounded to whole pixel values as the ONNX path's bytes are. */
  const wholeInput = (pixels: tf.Tensor4D): tf.Tensor4D =>
    canvas === globalSize ? pixels : tf.round(tf.image.resizeBilinear(pixels, [globalSize, globalSize], false, true));
  /** Tiles' pooled features [n, 2 × dim]: mean over tiles, then max over tiles. */
  const tilePart = (pixels: tf.Tensor4D): tf.Tensor2D => {
    const n = pixels.shape[0];
    const crops = tf.concat(corners.map(([y, x]) => tf.slice(pixels, [0, y, x, 0], [n, TILE_SIZE, TILE_SIZE, 3])));
    const vectors = tile!.features(tile!.normalise(crops));
    const perTile = tf.reshape(vectors, [corners.length, n, tile!.featureDim]);
    return tf.concat([tf.mean(perTile, 0), tf.max(perTile, 0)], 1) as tf.Tensor2D;
  };
  const pooled = (maps: tf.Tensor4D, pixels: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const global = tf.mean(maps, [1, 2]) as tf.Tensor2D;
      return tile ? tf.concat([global, tilePart(pixels)], 1) : global;
    });

  const onnx = whole.pixelFeatures && (!tile || tile.pixelFeatures);
  const wholeBytes = async (pixels: readonly Uint8Array[]): Promise<Uint8Array[]> => {
    if (canvas === globalSize) return [...pixels];
    const resized = tf.tidy(() => wholeInput(tf.cast(pixelTensor(pixels, canvas), 'float32')));
    const flat = Uint8Array.from((await resized.data()) as Float32Array);
    resized.dispose();
    const per = globalSize * globalSize * 3;
    return pixels.map((_, i) => flat.subarray(i * per, (i + 1) * per));
  };

  return {
    backbone: whole.backbone,
    inputSize: canvas,
    featureDim: whole.featureDim + (tile ? 2 * tile.featureDim : 0),
    configuration: configuration.id,
    normalise: (pixels) => tf.tidy(() => tf.cast(pixels, 'float32') as tf.Tensor4D),
    maps: (pixels) => tf.tidy(() => whole.maps(whole.normalise(wholeInput(pixels)))),
    features: (pixels) => pooled(whole.maps(whole.normalise(wholeInput(pixels))), pixels),
    pooled,
    ...(onnx
      ? {
          pixelFeatures: async (pixels: readonly Uint8Array[]) => {
            const global = await whole.pixelFeatures!(await wholeBytes(pixels));
            if (!tile) return global;
            const tiles = await tile.pixelFeatures!(pixels.flatMap((image) => corners.map((corner) => cropTile(image, canvas, corner, TILE_SIZE))));
            return pixels.map((_, i) => joined(global[i]!, tiles.slice(i * corners.length, (i + 1) * corners.length)));
          },
        }
      : {}),
    dispose() {
      whole.dispose();
      tile?.dispose();
    },
  };
}
