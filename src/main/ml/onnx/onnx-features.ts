// Feature vectors from a named output of a user's ONNX model: an ONNX backbone, or the feature output
// of an imported classifier. A [n, d] output is the vector; [n, c, h, w] maps (or [n, h, w, c] for a
// channels-last model) are averaged over space, as the tfjs backbones' maps are.
import path from 'node:path';
import { GradedeskError } from '../../../shared/errors';
import type { BackboneInfo } from '../../../shared/ml';
import type { FeatureExtractor } from '../backbones/load';
import { openOnnxModel, requireOutput, type OnnxImageInput, type OnnxOutput, type OnnxPixelScaling, type OpenedOnnxModel } from './onnx-model';

/** Checks that `output` can give one feature vector per image, and says how long it is. */
export function featureDimOf(file: string, output: OnnxOutput, layout: OnnxImageInput['layout']): number {
  const name = path.basename(file);
  const fixed = (dim: number | string | undefined) => (typeof dim === 'number' ? dim : null);
  if (output.shape.length === 0) return 1;
  if (output.shape.length === 1 && fixed(output.shape[0])) return output.shape[0] as number;
  if (output.shape.length === 3) {
    const channels = fixed(layout === 'nchw' ? output.shape[0] : output.shape[2]);
    if (channels) return channels;
  }
  throw new GradedeskError(
    'invalid',
    `${name}'s output ${output.name} is [n, ${output.shape.join(', ')}]; a feature output must be [n, features] or convolutional maps [n, channels, height, width] with a fixed number of features.`,
  );
}

/** One image's output row (dims after the batch) as a feature vector. */
export function pooledFeatures(row: Float32Array, dims: readonly number[], layout: OnnxImageInput['layout']): Float32Array {
  if (dims.length <= 1) return row;
  const [channels, area] = layout === 'nchw' ? [dims[0]!, dims[1]! * dims[2]!] : [dims[2]!, dims[0]! * dims[1]!];
  const out = new Float32Array(channels);
  for (let p = 0; p < area; p++) {
    for (let c = 0; c < channels; c++) out[c]! += layout === 'nchw' ? row[c * area + p]! : row[p * channels + c]!;
  }
  for (let c = 0; c < channels; c++) out[c]! /= area;
  return out;
}

/** Pooled features of an output of an opened model, per image. */
export async function outputFeatures(model: OpenedOnnxModel, output: string, pixels: readonly Uint8Array[]): Promise<Float32Array[]> {
  const { rows, dims } = (await model.run(pixels, [output])).get(output)!;
  return rows.map((row) => pooledFeatures(row, dims, model.input.layout));
}

/** An ONNX backbone's input size, and the length of its feature output, as the file says. */
export async function describeOnnxBackbone(file: string, featureOutput: string, scaling: OnnxPixelScaling, inputSize?: number): Promise<{ inputSize: number; featureDim: number }> {
  const model = await openOnnxModel(file, { scaling, ...(inputSize === undefined ? {} : { inputSize }) });
  try {
    const featureDim = featureDimOf(model.file, requireOutput(model, featureOutput, '--feature-output'), model.input.layout);
    return { inputSize: model.input.size, featureDim };
  } finally {
    await model.dispose();
  }
}

const tfjsOnly = (what: string, name: string) => () => {
  throw new GradedeskError('unsupported', `${name} runs through ONNX Runtime, which gives its features but not ${what}; train a head on it (frozen features) instead.`);
};

/**
 * A feature extractor over an ONNX file's named output: frozen extraction only (pixelFeatures); the tfjs
 * parts (maps for Grad-CAM, fine-tuning) refuse with a sentence.
 */
export async function loadOnnxOutputExtractor(backbone: BackboneInfo, file: string, scaling: OnnxPixelScaling, inputSize: number): Promise<FeatureExtractor> {
  const model = await openOnnxModel(file, { scaling, inputSize });
  try {
    const featureDim = featureDimOf(model.file, requireOutput(model, backbone.featureLayer, 'feature output'), model.input.layout);
    return {
      backbone,
      inputSize,
      featureDim,
      normalise: tfjsOnly('tfjs input tensors', backbone.name),
      maps: tfjsOnly('convolutional maps for Grad-CAM', backbone.name),
      features: tfjsOnly('tfjs features', backbone.name),
      pixelFeatures: (pixels) => outputFeatures(model, backbone.featureLayer, pixels),
      dispose: () => void model.dispose(),
    };
  } catch (error) {
    await model.dispose();
    throw error;
  }
}
