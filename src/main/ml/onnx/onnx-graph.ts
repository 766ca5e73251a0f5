// Reading a user's ONNX graph where ONNX Runtime cannot tell: which operator makes an output (so a
// final Softmax or Sigmoid is not applied twice), and whether feature maps reach an output through
// global average pooling and one linear layer, whose weights then give the class activation map.
import { decodeOnnxModel, ONNX_FLOAT, type OnnxNode, type OnnxTensor } from './onnx-proto';

export interface OnnxGraph {
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
}

export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  const model = decodeOnnxModel(bytes);
  const graph = model.graph ?? { node: [], initializer: [] };
  return { nodes: graph.node ?? [], initializers: new Map((graph.initializer ?? []).map((tensor) => [tensor.name, tensor])) };
}

/** Whether some weights live in files beside the model (ONNX external data) rather than in it. */
export function hasExternalData(graph: OnnxGraph): boolean {
  return [...graph.initializers.values()].some((tensor) => tensor.dataLocation === 1);
}

/** The operator whose output is `value`, seen through Identity nodes; null for a graph input or initializer. */
export function producerOf(graph: OnnxGraph, value: string): string | null {
  const node = graph.nodes.find((n) => n.output.includes(value));
  if (!node) return null;
  return node.opType === 'Identity' ? producerOf(graph, node.input[0]!) : node.opType;
}

/** Per output unit, the weight of each channel of the maps: logit k = Σ_c weights[k][c] · mean(map c) + bias. */
export type LinearCamWeights = number[][];

const PASS_THROUGH = new Set(['Flatten', 'Reshape', 'Squeeze', 'Identity', 'Dropout']);
const FINAL_ACTIVATIONS = new Set(['Softmax', 'Sigmoid', 'LogSoftmax']);

/**
 * The linear layer between maps and output: maps → GlobalAveragePool (or ReduceMean) → reshapes → Gemm or
 * MatMul (+ Add) → an optional Softmax/Sigmoid → output. Returns its weights, or why the graph is not so.
 */
export function linearCamWeights(graph: OnnxGraph, maps: string, output: string, channels: number, layout: 'nchw' | 'nhwc'): LinearCamWeights | string {
  const consumer = (value: string): OnnxNode | string => {
    const readers = graph.nodes.filter((n) => n.input.includes(value));
    if (readers.length !== 1) return `${value} is read by ${readers.length} operators, not one`;
    return readers[0]!;
  };
  let node = consumer(maps);
  if (typeof node === 'string') return node;
  if (node.opType !== 'GlobalAveragePool' && node.opType !== 'ReduceMean') return `the maps go into ${node.opType}, not global average pooling`;
  if (node.opType === 'GlobalAveragePool' && layout === 'nhwc') return 'GlobalAveragePool pools channels-first maps, and these are channels-last';
  if (node.opType === 'ReduceMean') {
    const axes = (node.attribute?.find((a) => a.name === 'axes')?.ints ?? []).map(Number);
    const spatial = layout === 'nchw' ? [[2, 3], [-2, -1]] : [[1, 2], [-3, -2]];
    if (!spatial.some((want) => want.length === axes.length && want.every((axis) => axes.includes(axis)))) return `the maps go into ReduceMean over axes [${axes.join(', ')}], not over height and width`;
  }
  let value = node.output[0]!;
  for (;;) {
    node = consumer(value);
    if (typeof node === 'string') return node;
    if (!PASS_THROUGH.has(node.opType)) break;
    value = node.output[0]!;
  }
  let weights: number[][];
  if (node.opType === 'Gemm') {
    const gemm = node;
    const attribute = (name: string) => gemm.attribute?.find((a) => a.name === name);
    if ((attribute('transA')?.i ?? 0) !== 0) return 'its Gemm transposes the pooled features';
    const b = floatValues(graph, node.input[1]!);
    if (!b) return `the Gemm weights ${node.input[1]} are not stored in the file as float32`;
    const alpha = attribute('alpha')?.f ?? 1;
    weights = matrixRows(b.values, b.dims, (attribute('transB')?.i ?? 0) === 1, channels).map((row) => row.map((w) => w * alpha));
    value = node.output[0]!;
  } else if (node.opType === 'MatMul') {
    const b = floatValues(graph, node.input[1]!);
    if (!b) return `the MatMul weights ${node.input[1]} are not stored in the file as float32`;
    weights = matrixRows(b.values, b.dims, false, channels);
    value = node.output[0]!;
    const next = graph.nodes.filter((n) => n.input.includes(value));
    if (next.length === 1 && next[0]!.opType === 'Add') value = next[0]!.output[0]!;
  } else {
    return `the pooled features go into ${node.opType}, not one linear layer (Gemm or MatMul)`;
  }
  if (weights.length === 0) return `the linear layer's weights do not have ${channels} inputs, one per channel of the maps`;
  while (value !== output) {
    const next = consumer(value);
    if (typeof next === 'string') return `the linear layer's output does not reach ${output}`;
    if (!PASS_THROUGH.has(next.opType) && !FINAL_ACTIVATIONS.has(next.opType)) return `the linear layer is followed by ${next.opType} before ${output}`;
    value = next.output[0]!;
  }
  return weights;
}

/** A float32 initializer's values and dims, or null when it is not one. */
function floatValues(graph: OnnxGraph, name: string): { values: Float32Array; dims: number[] } | null {
  const tensor = graph.initializers.get(name);
  if (!tensor || (tensor.dataType ?? ONNX_FLOAT) !== ONNX_FLOAT) return null;
  const dims = (tensor.dims ?? []).map(Number);
  if (tensor.rawData && tensor.rawData.length > 0) {
    const copy = new Uint8Array(tensor.rawData); // aligned for the Float32Array view
    return { values: new Float32Array(copy.buffer, 0, copy.byteLength / 4), dims };
  }
  if (tensor.floatData && tensor.floatData.length > 0) return { values: Float32Array.from(tensor.floatData), dims };
  return null;
}

/** A [units, channels] (transposed) or [channels, units] matrix as one row of channel weights per unit; [] when no side is `channels`. */
function matrixRows(values: Float32Array, dims: number[], transposed: boolean, channels: number): number[][] {
  if (dims.length !== 2) return [];
  const [rows, columns] = dims as [number, number];
  const units = transposed ? rows : columns;
  if ((transposed ? columns : rows) !== channels) return [];
  return Array.from({ length: units }, (_, k) => Array.from({ length: channels }, (_, c) => values[transposed ? k * columns + c : c * columns + k]!));
}
