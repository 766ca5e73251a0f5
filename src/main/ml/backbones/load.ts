// Loads a backbone as a feature extractor: the network up to its feature layer (the last
// convolutional maps), with global average pooling on top to give one vector per image.
import { GradedeskError } from '../../../shared/errors';
import type { BackboneInfo, Normalisation } from '../../../shared/ml';
import { tf } from '../engine/backend';
import { fileModelHandler, readModelJson, type ModelJson } from './file-handler';
import type { KerasLayer, KerasModel } from './keras-topology';

export interface FeatureExtractor {
  backbone: BackboneInfo;
  inputSize: number;
  /** Length of one feature vector. */
  featureDim: number;
  /** Pixels [n, size, size, 3] in 0..255 → the backbone's normalised input. */
  normalise(pixels: tf.Tensor4D): tf.Tensor4D;
  /** Normalised input → last convolutional maps [n, h, w, c] (Grad-CAM uses these). */
  maps(input: tf.Tensor4D): tf.Tensor4D;
  /** Normalised input → pooled features [n, featureDim]. */
  features(input: tf.Tensor4D): tf.Tensor2D;
  /**
   * Model-ready pixels → pooled features through another runtime (ONNX Runtime) when one was loaded for
   * this backbone; frozen extraction then uses it instead of `features`.
   */
  pixelFeatures?: (pixels: readonly Uint8Array[]) => Promise<Float32Array[]>;
  /** Multi-scale extractors: their feature configuration (part of the features' cache key). */
  configuration?: string;
  /**
   * Multi-scale extractors: the features from `maps` of the pixels and the pixels themselves (the tiles'
   * part does not depend on the maps); Grad-CAM differentiates through it. Absent: the mean of the maps.
   */
  pooled?: (maps: tf.Tensor4D, pixels: tf.Tensor4D) => tf.Tensor2D;
  dispose(): void;
}

export async function loadFeatureExtractor(backbone: BackboneInfo, modelJsonPath: string, inputSize: number): Promise<FeatureExtractor> {
  if (!backbone.inputSizes.includes(inputSize)) {
    throw new GradedeskError('invalid', `${backbone.name} takes input sizes ${backbone.inputSizes.join(', ')}, not ${inputSize}.`);
  }
  const json = readModelJson(modelJsonPath);
  const mapsOf = backbone.format === 'layers'
    ? await layersMaps(json, modelJsonPath, backbone.featureLayer, inputSize)
    : await graphMaps(json, modelJsonPath, backbone.featureLayer);
  const normalise = normaliser(backbone.normalisation);
  const probe = tf.tidy(() => mapsOf.run(tf.zeros([1, inputSize, inputSize, 3])));
  if (probe.rank !== 4) {
    probe.dispose();
    mapsOf.dispose();
    throw new GradedeskError('invalid', `The feature layer ${backbone.featureLayer} of ${backbone.name} gives a rank-${probe.rank} output; it must be convolutional maps [n, h, w, c].`);
  }
  const featureDim = probe.shape[3]!;
  probe.dispose();
  return {
    backbone,
    inputSize,
    featureDim,
    normalise: (pixels) => tf.tidy(() => normalise(pixels)),
    maps: (input) => mapsOf.run(input),
    features: (input) => tf.tidy(() => tf.mean(mapsOf.run(input), [1, 2]) as tf.Tensor2D),
    dispose: () => mapsOf.dispose(),
  };
}

interface MapsModel {
  run(input: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

/**
 * Keras layers model: rewrite the topology to end at the feature layer (dropping the classifier, whose
 * weights are then not needed) and to take the chosen input size, which a convolutional stack allows.
 */
async function layersMaps(json: ModelJson, modelJsonPath: string, featureLayer: string, inputSize: number): Promise<MapsModel> {
  const loaded = await loadTruncatedLayersModel(json, modelJsonPath, featureLayer, inputSize);
  return {
    run: (input) => loaded.predict(input) as tf.Tensor4D,
    dispose: () => loaded.dispose(),
  };
}

/** A Keras layers backbone as a tfjs model that ends at its feature layer and takes `inputSize` pixels. */
export async function loadTruncatedLayersModel(json: ModelJson, modelJsonPath: string, featureLayer: string, inputSize: number): Promise<tf.LayersModel> {
  const rewritten = structuredClone(json);
  const topology = rewritten.modelTopology as { model_config?: KerasModel } & KerasModel;
  const model = topology.model_config ?? topology;
  const layers = model.config?.layers;
  if (!Array.isArray(layers)) throw new GradedeskError('invalid', `${modelJsonPath} is not a Keras functional model (no config.layers).`);
  // A Sequential config also has config.layers, but its layers carry no names or inbound nodes at this level.
  if (model.class_name === 'Sequential') {
    throw new GradedeskError('invalid', `${modelJsonPath} is a Keras Sequential model; save the backbone as a functional model (keras.Model(inputs, outputs)) to use it.`);
  }
  if (!layers.some((layer) => layer.name === featureLayer)) {
    throw new GradedeskError('invalid', `${modelJsonPath} has no layer "${featureLayer}". Its last layers: ${layers.slice(-6).map((l) => l.name).join(', ')}.`);
  }
  const keep = ancestorsOf(featureLayer, layers);
  model.config.layers = layers.filter((layer) => keep.has(layer.name));
  model.config.output_layers = [[featureLayer, 0, 0]];
  for (const layer of model.config.layers) {
    if (layer.class_name === 'InputLayer') layer.config.batch_input_shape = [null, inputSize, inputSize, 3];
  }
  return tf.loadLayersModel(fileModelHandler(modelJsonPath, rewritten), { strict: false });
}


/** The feature layer and every layer it depends on, following inbound nodes. */
function ancestorsOf(name: string, layers: KerasLayer[]): Set<string> {
  const byName = new Map(layers.map((layer) => [layer.name, layer]));
  const keep = new Set<string>();
  const pending = [name];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (keep.has(current)) continue;
    keep.add(current);
    // Keras 2 inbound nodes: [[[sourceLayer, nodeIndex, tensorIndex, kwargs], ...], ...].
    const visit = (node: unknown): void => {
      if (!Array.isArray(node)) return;
      if (typeof node[0] === 'string') {
        if (byName.has(node[0])) pending.push(node[0]);
      } else node.forEach(visit);
    };
    visit(byName.get(current)?.inbound_nodes ?? []);
  }
  return keep;
}

async function graphMaps(json: ModelJson, modelJsonPath: string, featureNode: string): Promise<MapsModel> {
  const model = await tf.loadGraphModel(fileModelHandler(modelJsonPath, json));
  const nodes = (json.modelTopology as { node?: Array<{ name: string }> }).node ?? [];
  if (!nodes.some((node) => node.name === featureNode)) {
    model.dispose();
    throw new GradedeskError('invalid', `${modelJsonPath} has no node "${featureNode}".`);
  }
  return {
    run: (input) => model.execute(input, featureNode) as tf.Tensor4D,
    dispose: () => model.dispose(),
  };
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

function normaliser(kind: Normalisation): (pixels: tf.Tensor4D) => tf.Tensor4D {
  switch (kind) {
    case 'unit':
      return (pixels) => tf.div(tf.cast(pixels, 'float32'), 255);
    case 'symmetric':
      return (pixels) => tf.sub(tf.div(tf.cast(pixels, 'float32'), 127.5), 1);
    case 'imagenet':
      return (pixels) => tf.div(tf.sub(tf.div(tf.cast(pixels, 'float32'), 255), IMAGENET_MEAN), IMAGENET_STD);
  }
}
