import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError, invalid } from '../../shared/errors';
import type { Progress } from '../../shared/jobs';
import type { BackboneInfo } from '../../shared/ml';
import { downloadBackbone } from '../ml/backbones/download';
import { describeOnnxBackbone } from '../ml/onnx/onnx-features';
import type { Workspace } from './workspace';
import type { Validated } from './operation';

export function backboneOperations(workspace: Workspace) {
  const registry = workspace.engine.backbones;
  return {
    list: (_request?: Validated<'backbones.list'>): BackboneInfo[] => registry.list(),
    /**
     * Registers a backbone; one from a URL is downloaded and verified now, and forgotten again if that fails.
     * An ONNX backbone is opened first: its input size comes from the file, and its feature output must exist.
     */
    async add(request: Validated<'backbones.add'>, onProgress?: (progress: Progress) => void): Promise<BackboneInfo> {
      if (request.format === 'onnx') {
        registry.checkNew(request);
        const { inputSize } = await describeOnnxBackbone(request.location, request.featureLayer, request.normalisation ?? 'unit', request.inputSizes?.[0]);
        return registry.add({ ...request, inputSizes: request.inputSizes ?? [inputSize], defaultInputSize: inputSize });
      }
      const added = registry.add(request);
      if (added.source !== 'url') return added;
      try {
        await downloadBackbone({ url: request.location, sha256: request.sha256!, cacheDir: registry.backbonesDir, ...(request.size ? { size: request.size } : {}), ...(onProgress ? { onProgress } : {}) });
      } catch (error) {
        registry.remove(added.id);
        throw error;
      }
      return added;
    },
    /** A backbone by id, or a Keras model.json path registered on the fly (with the layer whose output is its feature maps). */
    byIdOrFile(reference: string, featureLayer: string | undefined, size: number | undefined): string {
      if (registry.list().some((b) => b.id === reference)) return reference;
      if (!reference.endsWith('.json') || !fs.existsSync(reference)) {
        throw new GradedeskError('not-found', `There is no backbone "${reference}" and no model.json at that path. Known: ${registry.list().map((b) => b.id).join(', ')}.`);
      }
      if (!featureLayer) throw invalid('A backbone given as a path needs --feature-layer (the layer whose output is its last convolutional maps).');
      const id = `file-${path.basename(path.dirname(path.resolve(reference)))}-${Date.now().toString(36)}`;
      return registry.add({ id, location: reference, format: 'layers', featureLayer, inputSizes: [size ?? 224] }).id;
    },
  };
}
