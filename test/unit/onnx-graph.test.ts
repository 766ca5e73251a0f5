// Reading a user's ONNX graph: the linear layer between feature maps and the output (whose weights give
// the class activation map), in the forms exporters write, and the reasons other graphs are refused.
import { describe, expect, it } from 'vitest';
import { decodeOnnxModel, encodeOnnxModel, floatTensor, ONNX_FLOAT, tensorValue, type OnnxNode } from '../../src/main/ml/onnx/onnx-proto';
import { hasExternalData, linearCamWeights, producerOf, readOnnxGraph } from '../../src/main/ml/onnx/onnx-graph';

/** maps [n, 2, 4, 4] → pool → … → output, with a [2 channels × 3 units] layer. */
function graphOf(head: OnnxNode[], initializers: ReturnType<typeof floatTensor>[]) {
  const bytes = encodeOnnxModel({
    irVersion: 8,
    producerName: 't',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: [{ name: 'relu', opType: 'Relu', input: ['x'], output: ['maps'] }, ...head],
      initializer: initializers,
      input: [tensorValue('x', ONNX_FLOAT, ['n', 2, 4, 4])],
      output: [tensorValue('out', ONNX_FLOAT, ['n', 3])],
    },
  });
  return readOnnxGraph(bytes);
}

describe('linearCamWeights', () => {
  it('reads Gemm weights stored [units, channels] with transB and alpha', () => {
    const graph = graphOf(
      [
        { name: 'pool', opType: 'GlobalAveragePool', input: ['maps'], output: ['pooled'] },
        { name: 'flat', opType: 'Flatten', input: ['pooled'], output: ['flat'] },
        { name: 'fc', opType: 'Gemm', input: ['flat', 'w', 'b'], output: ['logits'], attribute: [{ name: 'transB', type: 2, i: 1 }, { name: 'alpha', type: 1, f: 2 }] },
        { name: 'sm', opType: 'Softmax', input: ['logits'], output: ['out'] },
      ],
      [floatTensor('w', [3, 2], Float32Array.from([1, 2, 3, 4, 5, 6])), floatTensor('b', [3], new Float32Array(3))],
    );
    expect(linearCamWeights(graph, 'maps', 'out', 2, 'nchw')).toEqual([[2, 4], [6, 8], [10, 12]]);
    expect(producerOf(graph, 'out')).toBe('Softmax');
    expect(hasExternalData(graph)).toBe(false);
  });

  it('reads MatMul weights stored [channels, units], with the bias Add after it', () => {
    const graph = graphOf(
      [
        { name: 'mean', opType: 'ReduceMean', input: ['maps'], output: ['pooled'], attribute: [{ name: 'axes', type: 7, ints: [2, 3] }, { name: 'keepdims', type: 2, i: 0 }] },
        { name: 'mm', opType: 'MatMul', input: ['pooled', 'w'], output: ['product'] },
        { name: 'add', opType: 'Add', input: ['product', 'b'], output: ['out'] },
      ],
      [floatTensor('w', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])), floatTensor('b', [3], new Float32Array(3))],
    );
    expect(linearCamWeights(graph, 'maps', 'out', 2, 'nchw')).toEqual([[1, 4], [2, 5], [3, 6]]);
    // Averaging over the channels is not pooling: no class activation map.
    expect(linearCamWeights(graph, 'maps', 'out', 2, 'nhwc')).toBe('the maps go into ReduceMean over axes [2, 3], not over height and width');
  });

  it('says why a head that is not pooling and one linear layer has no class activation map', () => {
    const pooledTwice = graphOf(
      [
        { name: 'pool', opType: 'GlobalMaxPool', input: ['maps'], output: ['pooled'] },
        { name: 'fc', opType: 'Gemm', input: ['pooled', 'w'], output: ['out'], attribute: [{ name: 'transB', type: 2, i: 1 }] },
      ],
      [floatTensor('w', [3, 2], new Float32Array(6))],
    );
    expect(linearCamWeights(pooledTwice, 'maps', 'out', 2, 'nchw')).toBe('the maps go into GlobalMaxPool, not global average pooling');
    const wrongWidth = graphOf(
      [
        { name: 'pool', opType: 'GlobalAveragePool', input: ['maps'], output: ['pooled'] },
        { name: 'fc', opType: 'Gemm', input: ['pooled', 'w'], output: ['out'], attribute: [{ name: 'transB', type: 2, i: 1 }] },
      ],
      [floatTensor('w', [3, 5], new Float32Array(15))],
    );
    expect(linearCamWeights(wrongWidth, 'maps', 'out', 2, 'nchw')).toMatch(/do not have 2 inputs, one per channel/);
  });

  it('keeps the encoder and decoder agreeing on the fields it reads', () => {
    const bytes = encodeOnnxModel({
      irVersion: 8,
      producerName: 't',
      producerVersion: '1',
      opsetImport: [{ domain: '', version: 13 }],
      graph: { name: 'g', node: [], initializer: [{ name: 'w', dims: [2], dataType: ONNX_FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }], input: [], output: [] },
    });
    expect(decodeOnnxModel(bytes).graph.initializer[0]).toMatchObject({ name: 'w', dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] });
    expect(hasExternalData(readOnnxGraph(bytes))).toBe(true);
  });
});
