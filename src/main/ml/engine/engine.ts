// What every engine task needs: the store, the cache, the backbone registry, the tfjs backend, and
// a loaded feature extractor for a model's backbone, size and preprocessing.
import path from 'node:path';
import type { TaskKind } from '../../../shared/domain';
import type { BackendInfo } from '../../../shared/ml';
import type { Store } from '../../store';
import { initBackend } from './backend';
import { loadFeatureExtractor } from '../backbones/load';
import { BackboneRegistry } from '../backbones/registry';
import type { FeatureContext } from '../features/extract-features';
import { preprocessorFor } from '../features/preprocessing';

export interface Engine {
  store: Store;
  dataDir: string;
  cacheDir: string;
  modelsDir: string;
  backbones: BackboneRegistry;
}

export function createEngine(store: Store, dataDir: string): Engine {
  const cacheDir = path.join(dataDir, 'cache');
  return { store, dataDir, cacheDir, modelsDir: path.join(dataDir, 'models'), backbones: new BackboneRegistry(store.backbones, cacheDir) };
}

export async function featureContext(engine: Engine, backboneId: string, inputSize: number, taskKind: TaskKind): Promise<FeatureContext & { backend: BackendInfo }> {
  const backend = await initBackend();
  const backbone = engine.backbones.get(backboneId);
  const extractor = await loadFeatureExtractor(backbone, await engine.backbones.modelJsonPath(backbone), inputSize);
  return { backend, features: engine.store.features, cacheDir: engine.cacheDir, extractor, preprocessor: preprocessorFor(taskKind) };
}
