// Splits a Keras layers backbone at a block boundary for fine-tuning. The lower part stays frozen and
// runs once per (image, view), its output (the cut activations) cached; the top part, the last blocks
// and the final convolution up to the feature layer, is rebuilt as a model of its own that takes the
// cut activations and can be trained. Blocks are found by MobileNetV2's layer names (block_N_…).
import { GradedeskError } from '../../../../shared/errors';
import type { BackboneInfo } from '../../../../shared/ml';
import { tf } from '../../engine/backend';
import { fileModelHandler, readModelJson, type ModelJson } from '../../backbones/file-handler';
import { loadFeatureExtractor } from '../../backbones/load';
import type { KerasLayer, KerasModel } from '../../backbones/keras-topology';

export interface BackboneBlock {
  /** e.g. block_16; the topmost block also holds the layers after it (Conv_1, Conv_1_bn, out_relu). */
  name: string;
  layers: string[];
}

export interface SplitPlan {
  /** The layer whose output the top part takes. */
  cutLayer: string;
  /** The unfreezable blocks of the top part, topmost first. */
  blocks: BackboneBlock[];
}

export interface BackboneSplit extends SplitPlan {
  backbone: BackboneInfo;
  inputSize: number;
  /** [height, width, channels] of the cut activations. */
  cutShape: [number, number, number];
  /** Pixels [n, size, size, 3] in 0..255 → the backbone's normalised input. */
  normalise(pixels: tf.Tensor4D): tf.Tensor4D;
  /** Normalised input → cut activations. */
  lower(input: tf.Tensor4D): tf.Tensor4D;
  /** A new top model with the backbone's own weights (each fold trains its own): cut activations → feature maps. */
  loadTop(): Promise<tf.LayersModel>;
  dispose(): void;
}

/** The name the top model carries; Grad-CAM finds the feature maps as this layer's output in a saved fold model. */
export const TOP_MODEL_NAME = 'backbone_top';


export async function splitBackbone(backbone: BackboneInfo, modelJsonPath: string, inputSize: number, topBlocks: number): Promise<BackboneSplit> {
  if (backbone.format !== 'layers') {
    throw new GradedeskError('unsupported', `${backbone.name} is a ${backbone.format === 'onnx' ? 'ONNX' : 'graph'} model; only a Keras layers backbone can be split for fine-tuning.`);
  }
  const json = readModelJson(modelJsonPath);
  const layers = kerasModel(json, modelJsonPath).config.layers;
  const plan = planSplit(layers, backbone.featureLayer, topBlocks);
  // The feature extractor's own loader checks the size and builds the lower part with the cut as its "feature layer".
  const lower = await loadFeatureExtractor({ ...backbone, featureLayer: plan.cutLayer }, modelJsonPath, inputSize);
  const probe = tf.tidy(() => lower.maps(tf.zeros([1, inputSize, inputSize, 3])));
  const cutShape = probe.shape.slice(1) as [number, number, number];
  probe.dispose();
  return {
    ...plan,
    backbone,
    inputSize,
    cutShape,
    normalise: lower.normalise,
    lower: (input) => lower.maps(input),
    loadTop: () => loadTop(json, modelJsonPath, layers, plan, backbone.featureLayer, cutShape),
    dispose: () => lower.dispose(),
  };
}

/**
 * Where to cut for `topBlocks` unfrozen blocks: before the first layer of block (last − topBlocks + 1).
 * Keras lists layers in topological order, so the top part is every needed layer from there on; it must
 * take exactly one tensor from below (a residual add's shortcut counts), which is the cut layer.
 */
export function planSplit(allLayers: readonly KerasLayer[], featureLayer: string, topBlocks: number): SplitPlan {
  const needed = ancestorsOf(featureLayer, allLayers);
  const layers = allLayers.filter((layer) => needed.has(layer.name));
  const numbers = [...new Set(layers.flatMap((layer) => (blockOf(layer.name) === null ? [] : [blockOf(layer.name)!])))].sort((a, b) => a - b);
  if (numbers.length === 0) {
    throw new GradedeskError('unsupported', 'Fine-tuning needs a backbone whose blocks are named block_N_… (Keras MobileNetV2); this one has none.');
  }
  if (!Number.isInteger(topBlocks) || topBlocks < 1 || topBlocks >= numbers.length) {
    throw new GradedeskError('invalid', `Unfreeze between 1 and ${numbers.length - 1} of this backbone's ${numbers.length} blocks, not ${topBlocks}.`);
  }
  const firstBlock = numbers[numbers.length - topBlocks]!;
  const first = layers.findIndex((layer) => blockOf(layer.name) === firstBlock);
  const top = layers.slice(first);
  const inTop = new Set(top.map((layer) => layer.name));
  const fromBelow = new Set(top.flatMap((layer) => inboundSources(layer).filter((source) => !inTop.has(source))));
  if (fromBelow.size !== 1) {
    throw new GradedeskError('unsupported', `Block ${firstBlock} takes ${fromBelow.size} tensors from below (${[...fromBelow].join(', ')}); the backbone cannot be cut there.`);
  }
  const blocks: BackboneBlock[] = [];
  for (const layer of top) {
    const number = blockOf(layer.name);
    if (number !== null && blocks.at(-1)?.name !== `block_${number}`) blocks.push({ name: `block_${number}`, layers: [] });
    blocks.at(-1)!.layers.push(layer.name);
  }
  return { cutLayer: [...fromBelow][0]!, blocks: blocks.reverse() };
}

async function loadTop(json: ModelJson, modelJsonPath: string, layers: readonly KerasLayer[], plan: SplitPlan, featureLayer: string, cutShape: number[]): Promise<tf.LayersModel> {
  const rewritten = structuredClone(json);
  const model = kerasModel(rewritten, modelJsonPath);
  const inTop = new Set(plan.blocks.flatMap((block) => block.layers));
  // An input layer named as the cut layer: the top layers' inbound nodes then need no rewriting.
  const input: KerasLayer = {
    name: plan.cutLayer,
    class_name: 'InputLayer',
    config: { batch_input_shape: [null, ...cutShape], dtype: 'float32', sparse: false, name: plan.cutLayer },
    inbound_nodes: [],
  };
  model.config.name = TOP_MODEL_NAME;
  model.config.layers = [input, ...structuredClone(layers.filter((layer) => inTop.has(layer.name)))];
  model.config.input_layers = [[plan.cutLayer, 0, 0]];
  model.config.output_layers = [[featureLayer, 0, 0]];
  // Not strict: the weights of the lower part and of the classifier are in the file but not in this model.
  return tf.loadLayersModel(fileModelHandler(modelJsonPath, rewritten), { strict: false });
}

function kerasModel(json: ModelJson, modelJsonPath: string): KerasModel {
  const topology = json.modelTopology as { model_config?: KerasModel } & KerasModel;
  const model = topology.model_config ?? topology;
  if (!Array.isArray(model.config?.layers)) throw new GradedeskError('invalid', `${modelJsonPath} is not a Keras functional model (no config.layers).`);
  return model;
}

function blockOf(name: string): number | null {
  const match = /^block_(\d+)_/.exec(name);
  return match ? Number(match[1]) : null;
}

/** Layers whose outputs a layer takes. Keras 2 inbound nodes: [[[sourceLayer, nodeIndex, tensorIndex, kwargs], ...], ...]. */
function inboundSources(layer: KerasLayer): string[] {
  const sources: string[] = [];
  const visit = (node: unknown): void => {
    if (!Array.isArray(node)) return;
    if (typeof node[0] === 'string') sources.push(node[0]);
    else node.forEach(visit);
  };
  visit(layer.inbound_nodes ?? []);
  return sources;
}

function ancestorsOf(name: string, layers: readonly KerasLayer[]): Set<string> {
  const byName = new Map(layers.map((layer) => [layer.name, layer]));
  if (!byName.has(name)) throw new GradedeskError('invalid', `The backbone has no layer "${name}".`);
  const keep = new Set<string>();
  const pending = [name];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (keep.has(current) || !byName.has(current)) continue;
    keep.add(current);
    pending.push(...inboundSources(byName.get(current)!));
  }
  return keep;
}
