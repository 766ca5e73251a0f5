// Frozen feature extraction through ONNX Runtime (on the execution provider runtime.ts chooses). The backbone is exported to
// ONNX once, beside its model.json in the data directory, and the file is reused from then on.
import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError } from '../../../shared/errors';
import type { BackboneInfo, BackendInfo, BackendName } from '../../../shared/ml';
import { writeCacheFile } from '../../imaging/cache';
import { loadTruncatedLayersModel, type FeatureExtractor } from '../backbones/load';
import { readModelJson } from '../backbones/file-handler';
import { exportLayersModelToOnnx, ONNX_FEATURES, ONNX_INPUT } from './export-layers-model';
import { createOnnxSession, loadOnnxRuntime, type OnnxProvider } from './runtime';

/** Change when the exporter writes a different graph, so that old cached files are not reused. */
const EXPORTER_VERSION = 2;

export interface OnnxFeatureExtractor {
  backbone: BackboneInfo;
  inputSize: number;
  featureDim: number;
  /** The execution provider that runs the session. */
  provider: OnnxProvider;
  onnxPath: string;
  /** Model-ready pixels (size × size × 3, 0..255) → one pooled feature vector per image. */
  features(pixels: readonly Uint8Array[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** The cached ONNX form of a layers backbone at one input size, exported on first use. */
export async function onnxBackboneFile(backbone: BackboneInfo, modelJsonPath: string, inputSize: number): Promise<string> {
  if (backbone.format !== 'layers') {
    throw new GradedeskError('invalid', `${backbone.name} is a tfjs graph model; only Keras layers backbones can be exported to ONNX.`);
  }
  const file = path.join(path.dirname(modelJsonPath), `onnx-v${EXPORTER_VERSION}`, `${backbone.featureLayer}-${inputSize}.onnx`);
  if (fs.existsSync(file)) return file;
  const model = await loadTruncatedLayersModel(readModelJson(modelJsonPath), modelJsonPath, backbone.featureLayer, inputSize);
  try {
    await writeCacheFile(file, Buffer.from(exportLayersModelToOnnx(model, backbone.normalisation, backbone.name)));
  } finally {
    model.dispose();
  }
  return file;
}

export async function loadOnnxFeatureExtractor(backbone: BackboneInfo, modelJsonPath: string, inputSize: number): Promise<OnnxFeatureExtractor> {
  const onnxPath = await onnxBackboneFile(backbone, modelJsonPath, inputSize);
  const ort = await loadOnnxRuntime();
  const { session, provider } = await createOnnxSession(onnxPath);
  const pixelsPerImage = inputSize * inputSize * 3;
  const run = async (pixels: readonly Uint8Array[]): Promise<{ data: Float32Array; dim: number }> => {
    const input = new Uint8Array(pixels.length * pixelsPerImage);
    pixels.forEach((image, i) => {
      if (image.length !== pixelsPerImage) throw new GradedeskError('invalid', `Model-ready pixels must be ${inputSize}×${inputSize}×3 bytes, not ${image.length}.`);
      input.set(image, i * pixelsPerImage);
    });
    const outputs = await session.run({ [ONNX_INPUT]: new ort.Tensor('uint8', input, [pixels.length, inputSize, inputSize, 3]) });
    const features = outputs[ONNX_FEATURES]!;
    return { data: features.data as Float32Array, dim: features.dims[1]! };
  };
  const featureDim = (await run([new Uint8Array(pixelsPerImage)])).dim;
  return {
    backbone,
    inputSize,
    featureDim,
    provider,
    onnxPath,
    async features(pixels) {
      if (pixels.length === 0) return [];
      const { data } = await run(pixels);
      return pixels.map((_, i) => data.slice(i * featureDim, (i + 1) * featureDim));
    },
    dispose: () => session.release(),
  };
}

/** tfjs backends that compute on the CPU, where ONNX Runtime's CPU provider extracts faster. */
const CPU_BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/**
 * The tfjs extractor with frozen extraction through ONNX Runtime, when tfjs runs on the CPU and the
 * backbone exports. Otherwise, or when ONNX Runtime cannot load or the exporter refuses the backbone,
 * the tfjs extractor unchanged: extraction falls back to tfjs (`doctor` says whether ONNX Runtime loads).
 */
export async function withOnnxExtraction(extractor: FeatureExtractor, modelJsonPath: string, backend: BackendInfo): Promise<FeatureExtractor> {
  if (!CPU_BACKENDS.includes(backend.backend) || extractor.backbone.format !== 'layers') return extractor;
  let onnx: OnnxFeatureExtractor;
  try {
    onnx = await loadOnnxFeatureExtractor(extractor.backbone, modelJsonPath, extractor.inputSize);
  } catch {
    return extractor;
  }
  return {
    ...extractor,
    pixelFeatures: (pixels) => onnx.features(pixels),
    dispose() {
      extractor.dispose();
      void onnx.dispose();
    },
  };
}
