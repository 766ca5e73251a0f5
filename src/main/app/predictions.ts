import type { Workspace } from './workspace';
import { startedJob } from './jobs';
import type { Validated } from './operation';

export function predictionOperations(workspace: Workspace) {
  const { store } = workspace;
  /** Predicts the project's images (all, or the given ones) with a model, the active one by default, as a job. */
  const run = ({ projectId, modelId, imageIds }: Validated<'predictions.start'>) => workspace.startPrediction(store.projects.get(projectId), modelId, imageIds);
  return {
    run,
    start: (request: Validated<'predictions.start'>) => startedJob(workspace, run(request)),
    /** The active model's prediction of an image, or null when there is no active model or it has not predicted the image. */
    forImage({ imageId }: Validated<'predictions.forImage'>) {
      const model = store.models.active(store.images.get(imageId).projectId);
      const prediction = model && store.predictions.forImage(model.id, imageId);
      return model && prediction ? { model, prediction } : null;
    },
  };
}
