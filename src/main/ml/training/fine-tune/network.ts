// The network a fine-tuned fold trains and saves: cut activations → the backbone's top blocks →
// global average pooling → a fixed standardisation of the pooled features → the head of heads.ts.
// One tfjs layers model, so a fold saves, exports and loads like a head does.
import type { HeadKind } from '../../../../shared/ml';
import { tf } from '../../engine/backend';
import { buildHead } from '../heads';
import type { Standardisation } from '../../models/model-files';
import { TOP_MODEL_NAME, type BackboneBlock } from './split-backbone';

export interface FineTuneNetwork {
  /** Cut activations → head outputs (inference mode throughout). What a fold saves. */
  model: tf.LayersModel;
  /** Cut activations → the feature layer's maps (named backbone_top inside `model`). */
  top: tf.LayersModel;
  head: tf.Sequential;
  /** Unfreezable blocks of the top, topmost first. */
  blocks: BackboneBlock[];
  /**
   * Freezes the top except its `count` topmost blocks and returns the backbone variables that then train.
   * The layers after the last block (Conv_1 … out_relu) go with the topmost block.
   */
  unfreeze(count: number): tf.Variable[];
  headVariables(): tf.Variable[];
  /**
   * Every weight's values, top, standardisation and head, in an order that does not change when blocks
   * are frozen or unfrozen (a LayersModel's getWeights puts the trainable ones first). For checkpoints.
   */
  getWeights(): Promise<Float32Array[]>;
  setWeights(values: readonly Float32Array[]): void;
  /**
   * Cut activations → head outputs. The backbone always runs in inference mode, so its BatchNorm layers
   * keep their statistics (small batches would only add noise to them); `training` switches the head's dropout.
   */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
  dispose(): void;
}

export const STANDARDISATION_LAYER = 'feature_standardisation';
const POOL_LAYER = 'feature_pool';

/**
 * `top` becomes part of the network (and is disposed with it). The standardisation is a BatchNormalization
 * layer frozen to (x − mean) / std: its moving mean is the mean, its moving variance 1 − ε and its scale 1 / std.
 */
export function buildNetwork(top: tf.LayersModel, blocks: BackboneBlock[], kind: HeadKind, classCount: number, seed: number, standardisation: Standardisation): FineTuneNetwork {
  const dim = standardisation.mean.length;
  const epsilon = 1e-3;
  const standardise = tf.layers.batchNormalization({ name: STANDARDISATION_LAYER, epsilon, trainable: false });
  const head = buildHead(kind, dim, classCount, seed);
  const input = tf.input({ shape: top.inputs[0]!.shape.slice(1) as number[], name: 'cut_activations' });
  const maps = top.apply(input) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: POOL_LAYER }).apply(maps) as tf.SymbolicTensor;
  const output = head.apply(standardise.apply(pooled)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: 'fine_tuned' });
  tf.tidy(() =>
    standardise.setWeights([tf.tensor1d(standardisation.std.map((s) => 1 / s)), tf.zeros([dim]), tf.tensor1d(standardisation.mean), tf.fill([dim], 1 - epsilon)]),
  );
  const byName = new Map(top.layers.map((layer) => [layer.name, layer]));
  const blockLayers = (block: BackboneBlock) => block.layers.map((name) => byName.get(name)!);
  const variables = (layers: readonly tf.layers.Layer[]) => layers.flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
  return {
    model,
    top,
    head,
    blocks,
    unfreeze(count) {
      top.layers.forEach((layer) => (layer.trainable = false));
      const unfrozen = blocks.slice(0, count).flatMap(blockLayers);
      unfrozen.forEach((layer) => (layer.trainable = true));
      return variables(unfrozen);
    },
    headVariables: () => variables(head.layers),
    getWeights: () => Promise.all(stableWeights(model).map(async (w) => ((await w.read().data()) as Float32Array).slice())),
    setWeights: (values) => tf.tidy(() => stableWeights(model).forEach((w, i) => w.write(tf.tensor(values[i]!, w.shape as number[])))),
    forward: (x, training) =>
      tf.tidy(() => {
        const pooledMaps = tf.mean(top.apply(x, { training: false }) as tf.Tensor4D, [1, 2]);
        return head.apply(standardise.apply(pooledMaps, { training: false }), { training }) as tf.Tensor2D;
      }),
    dispose: () => model.dispose(),
  };
}

type LayerVariable = tf.layers.Layer['weights'][number];

function stableWeights(model: tf.LayersModel): LayerVariable[] {
  return model.layers.flatMap((layer) => (layer instanceof tf.LayersModel ? stableWeights(layer) : layer.weights));
}

/**
 * A fine-tuned fold model (trained here or loaded from disk) in two parts, for Grad-CAM: cut activations →
 * the feature layer's maps, and maps → head outputs, which is what Grad-CAM differentiates.
 */
export function foldModelParts(model: tf.LayersModel): { maps(x: tf.Tensor4D): tf.Tensor4D; outputs(maps: tf.Tensor4D): tf.Tensor2D } {
  const top = model.getLayer(TOP_MODEL_NAME);
  const pool = model.getLayer(POOL_LAYER);
  const standardise = model.getLayer(STANDARDISATION_LAYER);
  const head = model.layers.at(-1)!;
  return {
    maps: (x) => top.apply(x, { training: false }) as tf.Tensor4D,
    outputs: (maps) => head.apply(standardise.apply(pool.apply(maps), { training: false }), { training: false }) as tf.Tensor2D,
  };
}

/** Pooled feature-layer maps [n, dim] of cut activations, with the top's current weights. */
export function pooledFeatures(top: tf.LayersModel, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => tf.mean(top.apply(x, { training: false }) as tf.Tensor4D, [1, 2]) as tf.Tensor2D);
}
