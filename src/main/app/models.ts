import fs from 'node:fs';
import path from 'node:path';
import type { ModelDetail } from '../../shared/ml';
import { createEnsemble } from '../ml/models/ensemble';
import { gradCamFiles } from '../ml/explain/gradcam-render';
import { compareModels } from '../ml/evaluate/model-comparison';
import { evaluateModel } from '../ml/evaluate/model-evaluation';
import { exportModelTo } from '../ml/models/model-export';
import { importOnnxModel } from '../ml/models/onnx-import';
import type { Workspace } from './workspace';
import type { Validated } from './operation';
import { projectModel } from './project-model';
import { version as appVersion } from '../../../package.json';
import { exportBundle } from '../ml/models/bundle/export-bundle';
import { importBundle } from '../ml/models/bundle/import-bundle';
import { activateIfBetter } from '../ml/evaluate/activation';

export function modelOperations(workspace: Workspace) {
  const { store } = workspace;
  const predictionsChanged = (projectId: number) => workspace.changes.announce({ projectId, imageIds: null, what: 'predictions' });

  return {
    list: ({ projectId }: Validated<'models.list'>) => store.models.list(store.projects.get(projectId).id),
    get: ({ modelId }: Validated<'models.get'>): ModelDetail => store.models.get(modelId),
    /** The project's model `modelId`, or its active one: what the CLI's `--model` defaults to. */
    ofProject: (projectId: number, modelId?: number): ModelDetail => projectModel(store, store.projects.get(projectId), modelId),
    evaluate: ({ modelId, threshold }: Validated<'models.evaluate'>) => evaluateModel(store, modelId, threshold),
    compare: ({ modelId, otherId, threshold, otherThreshold }: Validated<'models.compare'>) =>
      compareModels(store, modelId, otherId, { ...(threshold === undefined ? {} : { a: threshold }), ...(otherThreshold === undefined ? {} : { b: otherThreshold }) }),
    setReferralThreshold({ modelId, threshold }: Validated<'models.setReferralThreshold'>) {
      const model = store.models.setReferralThreshold(modelId, threshold);
      predictionsChanged(model.projectId);
      return model;
    },
    activate({ modelId }: Validated<'models.activate'>) {
      const model = store.models.activate(modelId);
      predictionsChanged(model.projectId);
      return model;
    },
    /** Deletes the model's rows, its folder and its Grad-CAM maps (a later model may be given the same id). */
    delete({ modelId }: Validated<'models.delete'>) {
      const { projectId } = store.models.get(modelId);
      const dir = store.models.dir(modelId);
      store.models.delete(modelId);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(path.dirname(gradCamFiles(workspace.cacheDir, modelId, 0, 0).heatmap), { recursive: true, force: true });
      predictionsChanged(projectId);
      return { deleted: modelId };
    },
    export: ({ modelId, dir }: Validated<'models.export'>) => exportModelTo(store, modelId, dir),
    /** Imports an ONNX classifier as a model of the project (checked by running it once); it predicts when asked, like a trained one. */
    async importOnnx({ projectId, ...request }: Validated<'models.importOnnx'>): Promise<ModelDetail> {
      const modelId = await importOnnxModel(store, workspace.engine.modelsDir, store.projects.get(projectId), request);
      predictionsChanged(projectId);
      return store.models.get(modelId);
    },
    ensemble({ modelIds, name }: Validated<'models.ensemble'>) {
      const ensemble = createEnsemble(store, workspace.engine.modelsDir, modelIds, name);
      predictionsChanged(ensemble.projectId);
      return ensemble;
    },
    exportBundle: ({ modelId, file, withBackbone }: Validated<'models.exportBundle'>) =>
      exportBundle(store, workspace.engine.backbones, { modelId, file, withBackbone: withBackbone ?? false, appVersion }),
    /** The bundle's model as a finished model of the project; active only if the project has none or it is better on the same images. */
    async importBundle({ projectId, file, name }: Validated<'models.importBundle'>): Promise<ModelDetail> {
      const model = await importBundle(workspace.engine, { project: store.projects.get(projectId), file, ...(name ? { name } : {}) });
      activateIfBetter(store, model.id);
      predictionsChanged(model.projectId);
      return store.models.get(model.id);
    },
  };
}
