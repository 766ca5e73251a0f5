// What every engine task needs: the store, the cache, the backbone registry, the pixel pool, the tfjs
// backend, and a loaded feature extractor for a model's backbone, size and preprocessing.
import path from 'node:path';
import type { TaskKind } from '../../../shared/domain';
import { GradedeskError } from '../../../shared/errors';
import { featureConfiguration, type BackendInfo, type FeatureConfigurationId } from '../../../shared/ml';
import type { Store } from '../../store';
import { initBackend } from './backend';
import { loadFeatureExtractor } from '../backbones/load';
import { BackboneRegistry } from '../backbones/registry';
import type { FeatureContext } from '../features/extract-features';
import { multiScaleExtractor } from '../features/multi-scale';
import { extractionBatchSize } from '../features/extraction-batch';
import { inThreadPixels, PixelPool, type PixelSource } from '../features/pixel-source';
import { preprocessorFor } from '../features/preprocessing';
import { withOnnxExtraction } from '../onnx/onnx-extractor';
import { loadOnnxOutputExtractor } from '../onnx/onnx-features';

export interface Engine {
  store: Store;
  dataDir: string;
  cacheDir: string;
  modelsDir: string;
  backbones: BackboneRegistry;
  /** Where model-ready pixels are made; close it when the engine ends. */
  pixels: PixelSource;
}

/**
 * `pixelWorkerScript`: the pixel pool's worker file (`features/pixel-worker?modulePath`, resolved by the
 * caller, since a `?modulePath` import works only where the build or the test runner rewrites it).
 * Without it, pixels are made on the engine's own thread.
 */
export function createEngine(store: Store, dataDir: string, pixelWorkerScript?: string): Engine {
  const cacheDir = path.join(dataDir, 'cache');
  return {
    store,
    dataDir,
    cacheDir,
    modelsDir: path.join(dataDir, 'models'),
    backbones: new BackboneRegistry(store.backbones, cacheDir),
    pixels: pixelWorkerScript ? new PixelPool(pixelWorkerScript) : inThreadPixels,
  };
}

/**
 * `frozenExtraction: false` for work that needs only the tfjs maps (Grad-CAM); otherwise pooled features
 * come from ONNX Runtime where it runs (see withOnnxExtraction). `features`: the model's feature
 * configuration (single-scale at `inputSize` when absent).
 */
export async function featureContext(
  engine: Engine,
  backboneId: string,
  inputSize: number,
  taskKind: TaskKind,
  { frozenExtraction = true, features }: { frozenExtraction?: boolean; features?: FeatureConfigurationId | undefined } = {},
): Promise<FeatureContext & { backend: BackendInfo }> {
  const backend = await initBackend();
  const backbone = engine.backbones.get(backboneId);
  const modelJsonPath = await engine.backbones.modelJsonPath(backbone);
  const configuration = featureConfiguration(features);
  const preprocessor = preprocessorFor(taskKind, configuration.channel);
  if (backbone.format === 'onnx') {
    // A user's ONNX backbone gives one view at the size its file takes; the feature configurations are the bundled backbone's.
    if (!backbone.inputSizes.includes(inputSize)) throw new GradedeskError('invalid', `${backbone.name} takes ${backbone.inputSizes.join(', ')}-pixel images, not ${inputSize}.`);
    const extractor = await loadOnnxOutputExtractor(backbone, modelJsonPath, backbone.normalisation, inputSize);
    return { backend, features: engine.store.features, cacheDir: engine.cacheDir, extractor, preprocessor, pixels: engine.pixels, batchSize: extractionBatchSize(backend, extractor.inputSize) };
  }
  const load = async (size: number) => {
    const tfjs = await loadFeatureExtractor(backbone, modelJsonPath, size);
    return frozenExtraction ? await withOnnxExtraction(tfjs, modelJsonPath, backend) : tfjs;
  };
  const extractor = configuration.globalSize === null ? await load(inputSize) : await multiScaleExtractor(configuration, load);
  return { backend, features: engine.store.features, cacheDir: engine.cacheDir, extractor, preprocessor, pixels: engine.pixels, batchSize: extractionBatchSize(backend, extractor.inputSize) };
}
