// Writes a convolutional tfjs LayersModel (a backbone truncated at its feature layer) as an ONNX model
// for ONNX Runtime: NCHW, each BatchNormalization folded into the convolution before it, Keras padding
// written out as explicit pads, ReLU6 as Clip. The graph takes model-ready pixels [n, h, w, 3] as bytes
// (0..255), normalises them, and ends in global average pooling: one feature vector per image.
import { GradedeskError } from '../../../shared/errors';
import type { Normalisation } from '../../../shared/ml';
import { tf } from '../engine/backend';
import {
  ATTRIBUTE_INT,
  ATTRIBUTE_INTS,
  encodeOnnxModel,
  floatTensor,
  ONNX_FLOAT,
  ONNX_UINT8,
  tensorValue,
  type OnnxAttribute,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-proto';

export const ONNX_INPUT = 'pixels';
export const ONNX_FEATURES = 'features';
const OPSET = 13;

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** Per-channel x * scale + offset equal to the backbone's normalisation of 0..255 pixels. */
function normalisationOf(kind: Normalisation): { scale: number[]; offset: number[] } {
  switch (kind) {
    case 'unit':
      return { scale: [1 / 255, 1 / 255, 1 / 255], offset: [0, 0, 0] };
    case 'symmetric':
      return { scale: [1 / 127.5, 1 / 127.5, 1 / 127.5], offset: [-1, -1, -1] };
    case 'imagenet':
      return { scale: IMAGENET_STD.map((s) => 1 / (255 * s)), offset: IMAGENET_MEAN.map((m, c) => -m / IMAGENET_STD[c]!) };
  }
}

type Layer = tf.layers.Layer;

interface Convolution {
  weight: Float32Array; // ONNX layout [out, in / group, kh, kw]
  bias: Float32Array;
  dims: [number, number, number, number];
  group: number;
}

export function exportLayersModelToOnnx(model: tf.LayersModel, normalisation: Normalisation, name: string): Uint8Array {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  /** The ONNX value each Keras layer's output is, and the zero padding still to apply to it. */
  const values = new Map<string, { value: string; pads?: number[] }>();
  const consumers = consumerCounts(model);
  const foldedInto = new Map<string, string>(); // BatchNormalization name → the convolution it is folded into

  const constant = (valueName: string, dims: number[], data: Float32Array): string => {
    initializers.push(floatTensor(valueName, dims, data));
    return valueName;
  };
  const inputOf = (layer: Layer, index = 0): { value: string; pads?: number[] } => {
    const source = layer.inboundNodes[0]!.inboundLayers[index]!;
    const found = values.get(source.name);
    if (!found) throw new GradedeskError('invalid', `The exporter reached layer ${layer.name} before its input ${source.name}.`);
    return found;
  };
  const plainInputOf = (layer: Layer, index = 0): string => {
    const found = inputOf(layer, index);
    if (found.pads) throw new GradedeskError('invalid', `ZeroPadding2D feeds ${layer.getClassName()} layer ${layer.name}; the ONNX exporter folds padding only into convolutions.`);
    return found.value;
  };

  const [, height, width, channels] = model.inputs[0]!.shape;
  if (channels !== 3) throw new GradedeskError('invalid', `${name} takes ${channels} input channels; the ONNX exporter handles RGB input only.`);

  for (const layer of model.layers) {
    const kind = layer.getClassName();
    const config = layer.getConfig();
    switch (kind) {
      case 'InputLayer': {
        const { scale, offset } = normalisationOf(normalisation);
        nodes.push({ name: 'to_float', opType: 'Cast', input: [ONNX_INPUT], output: ['pixels_float'], attribute: [int('to', ONNX_FLOAT)] });
        nodes.push({ name: 'normalise_scale', opType: 'Mul', input: ['pixels_float', constant('normalise/scale', [3], new Float32Array(scale))], output: ['scaled'] });
        nodes.push({ name: 'normalise_offset', opType: 'Add', input: ['scaled', constant('normalise/offset', [3], new Float32Array(offset))], output: ['normalised'] });
        nodes.push({ name: 'to_nchw', opType: 'Transpose', input: ['normalised'], output: [layer.name], attribute: [ints('perm', [0, 3, 1, 2])] });
        values.set(layer.name, { value: layer.name });
        break;
      }
      case 'ZeroPadding2D': {
        const [[top, bottom], [left, right]] = config.padding as [[number, number], [number, number]];
        const source = inputOf(layer);
        const earlier = source.pads ?? [0, 0, 0, 0];
        values.set(layer.name, { value: source.value, pads: [earlier[0]! + top, earlier[1]! + left, earlier[2]! + bottom, earlier[3]! + right] });
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        requireChannelsLast(layer, config);
        const source = inputOf(layer);
        let conv = convolutionWeights(layer, kind);
        const outbound = layer.outboundNodes.map((node) => node.outboundLayer);
        const next = outbound[0];
        let output = layer.name;
        if (consumers.get(layer.name) === 1 && next?.getClassName() === 'BatchNormalization') {
          conv = foldBatchNorm(conv, next);
          foldedInto.set(next.name, layer.name);
          output = next.name;
        }
        const strides = config.strides as number[];
        const dilations = config.dilationRate as number[];
        const inShape = (layer.input as tf.SymbolicTensor).shape;
        const pads = samePads(config.padding as string, [inShape[1]!, inShape[2]!], conv.dims.slice(2), strides, dilations, layer.name);
        const extra = source.pads ?? [0, 0, 0, 0];
        nodes.push({
          name: layer.name,
          opType: 'Conv',
          input: [source.value, constant(`${layer.name}/weight`, conv.dims, conv.weight), constant(`${layer.name}/bias`, [conv.dims[0]], conv.bias)],
          output: [output],
          attribute: [
            ints('kernel_shape', conv.dims.slice(2)),
            ints('strides', strides),
            ints('dilations', dilations),
            ints('pads', pads.map((p, i) => p + extra[i]!)),
            int('group', conv.group),
          ],
        });
        values.set(layer.name, { value: output });
        const activation = config.activation as string;
        if (activation !== 'linear') {
          if (output !== layer.name) throw new GradedeskError('invalid', `${layer.name} has activation ${activation} before a BatchNormalization; the ONNX exporter cannot fold that.`);
          values.set(layer.name, { value: activationNode(nodes, activation, output, `${layer.name}_${activation}`, layer.name) });
        }
        break;
      }
      case 'BatchNormalization': {
        if (foldedInto.has(layer.name)) {
          values.set(layer.name, { value: layer.name });
          break;
        }
        throw new GradedeskError('invalid', `BatchNormalization layer ${layer.name} does not follow a convolution; the ONNX exporter only folds it into one.`);
      }
      case 'ReLU': {
        // tfjs's ReLU layer has only a ceiling (Keras's negative slope and threshold are not read).
        const maxValue = config.maxValue as number | null | undefined;
        const input = plainInputOf(layer);
        if (maxValue == null) nodes.push({ name: layer.name, opType: 'Relu', input: [input], output: [layer.name] });
        else nodes.push({ name: layer.name, opType: 'Clip', input: [input, constant(`${layer.name}/min`, [], new Float32Array([0])), constant(`${layer.name}/max`, [], new Float32Array([maxValue]))], output: [layer.name] });
        values.set(layer.name, { value: layer.name });
        break;
      }
      case 'Activation': {
        values.set(layer.name, { value: activationNode(nodes, config.activation as string, plainInputOf(layer), layer.name, layer.name) });
        break;
      }
      case 'Add': {
        const inputs = layer.inboundNodes[0]!.inboundLayers.map((_, i) => plainInputOf(layer, i));
        nodes.push({ name: layer.name, opType: inputs.length === 2 ? 'Add' : 'Sum', input: inputs, output: [layer.name] });
        values.set(layer.name, { value: layer.name });
        break;
      }
      default:
        throw new GradedeskError('invalid', `${name} has a ${kind} layer (${layer.name}), which the ONNX exporter does not know; it handles Conv2D, DepthwiseConv2D, BatchNormalization after a convolution, ReLU, Activation (relu, relu6), Add and ZeroPadding2D.`);
    }
  }

  const last = model.outputs[0]!;
  if (last.shape.length !== 4) throw new GradedeskError('invalid', `${name} ends in a rank-${last.shape.length} output; the ONNX exporter needs convolutional maps.`);
  const maps = values.get(model.outputLayers[0]!.name)!;
  if (maps.pads) throw new GradedeskError('invalid', `${name} ends in a ZeroPadding2D layer; the ONNX exporter needs convolutional maps.`);
  nodes.push({ name: 'global_average_pool', opType: 'GlobalAveragePool', input: [maps.value], output: ['pooled'] });
  nodes.push({ name: 'flatten', opType: 'Flatten', input: ['pooled'], output: [ONNX_FEATURES], attribute: [int('axis', 1)] });

  return encodeOnnxModel({
    irVersion: 8,
    producerName: 'gradedesk',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name,
      node: nodes,
      initializer: initializers,
      input: [tensorValue(ONNX_INPUT, ONNX_UINT8, ['n', height!, width!, 3])],
      output: [tensorValue(ONNX_FEATURES, ONNX_FLOAT, ['n', last.shape[3]!])],
    },
  });
}

function int(name: string, value: number): OnnxAttribute {
  return { name, type: ATTRIBUTE_INT, i: value };
}

function ints(name: string, values: number[]): OnnxAttribute {
  return { name, type: ATTRIBUTE_INTS, ints: values };
}

function activationNode(nodes: OnnxNode[], activation: string, input: string, output: string, layerName: string): string {
  if (activation === 'linear') return input;
  if (activation === 'relu') nodes.push({ name: output, opType: 'Relu', input: [input], output: [output] });
  else throw new GradedeskError('invalid', `Layer ${layerName} uses the activation ${activation}, which the ONNX exporter does not know.`);
  return output;
}

function requireChannelsLast(layer: Layer, config: tf.serialization.ConfigDict): void {
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') {
    throw new GradedeskError('invalid', `Layer ${layer.name} is ${String(config.dataFormat)}; the ONNX exporter reads channels-last models only.`);
  }
}

/** How many layers read each layer's output (a convolution whose output is read elsewhere keeps its BatchNormalization). */
function consumerCounts(model: tf.LayersModel): Map<string, number> {
  const counts = new Map<string, number>();
  for (const layer of model.layers) {
    for (const node of layer.inboundNodes) for (const source of node.inboundLayers) counts.set(source.name, (counts.get(source.name) ?? 0) + 1);
  }
  return counts;
}

function weightsByName(layer: Layer): Map<string, Float32Array> {
  return new Map(layer.weights.map((w) => [w.originalName.split('/').pop()!, w.read().dataSync() as Float32Array]));
}

/** Keras kernels [kh, kw, in, out] (depthwise: [kh, kw, in, multiplier]) in ONNX's [out, in / group, kh, kw]. */
function convolutionWeights(layer: Layer, kind: 'Conv2D' | 'DepthwiseConv2D'): Convolution {
  const variable = layer.weights.find((w) => /(depthwise_)?kernel$/.test(w.originalName))!;
  const [kh, kw, inC, last] = variable.shape as [number, number, number, number];
  const kernel = weightsByName(layer).get(kind === 'Conv2D' ? 'kernel' : 'depthwise_kernel')!;
  const depthwise = kind === 'DepthwiseConv2D';
  const outC = depthwise ? inC * last : last;
  const perGroupIn = depthwise ? 1 : inC;
  const weight = new Float32Array(outC * perGroupIn * kh * kw);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < inC; i++) {
        for (let o = 0; o < last; o++) {
          const value = kernel[((y * kw + x) * inC + i) * last + o]!;
          // A depthwise output channel i * multiplier + o reads input channel i only.
          const out = depthwise ? i * last + o : o;
          const inIndex = depthwise ? 0 : i;
          weight[((out * perGroupIn + inIndex) * kh + y) * kw + x] = value;
        }
      }
    }
  }
  const bias = weightsByName(layer).get('bias') ?? new Float32Array(outC);
  return { weight, bias, dims: [outC, perGroupIn, kh, kw], group: depthwise ? inC : 1 };
}

/** conv followed by BatchNormalization = one convolution with scaled weights and a shifted bias. */
function foldBatchNorm(conv: Convolution, batchNorm: Layer): Convolution {
  const config = batchNorm.getConfig();
  const axis = config.axis as number | number[];
  if (axis !== -1 && axis !== 3 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3))) {
    throw new GradedeskError('invalid', `BatchNormalization layer ${batchNorm.name} normalises axis ${String(axis)}, not the channels.`);
  }
  const weights = weightsByName(batchNorm);
  const outC = conv.dims[0];
  const epsilon = config.epsilon as number;
  const gamma = weights.get('gamma') ?? new Float32Array(outC).fill(1);
  const beta = weights.get('beta') ?? new Float32Array(outC);
  const mean = weights.get('moving_mean')!;
  const variance = weights.get('moving_variance')!;
  const perOut = conv.weight.length / outC;
  const weight = new Float32Array(conv.weight.length);
  const bias = new Float32Array(outC);
  for (let o = 0; o < outC; o++) {
    const scale = gamma[o]! / Math.sqrt(variance[o]! + epsilon);
    for (let k = 0; k < perOut; k++) weight[o * perOut + k] = conv.weight[o * perOut + k]! * scale;
    bias[o] = (conv.bias[o]! - mean[o]!) * scale + beta[o]!;
  }
  return { ...conv, weight, bias };
}

/** Keras 'same' padding as ONNX pads [top, left, bottom, right] (TensorFlow puts the odd pixel at the end). */
function samePads(padding: string, input: number[], kernel: number[], strides: number[], dilations: number[], layerName: string): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding !== 'same') throw new GradedeskError('invalid', `Layer ${layerName} uses ${padding} padding, which the ONNX exporter does not know.`);
  const begin: number[] = [];
  const end: number[] = [];
  for (let d = 0; d < 2; d++) {
    const effective = (kernel[d]! - 1) * dilations[d]! + 1;
    const out = Math.ceil(input[d]! / strides[d]!);
    const total = Math.max((out - 1) * strides[d]! + effective - input[d]!, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return [...begin, ...end];
}
