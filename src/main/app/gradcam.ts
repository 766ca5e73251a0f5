import type { GradCamRender } from '../../shared/api';
import type { Project } from '../../shared/domain';
import { GradedeskError } from '../../shared/errors';
import type { ModelDetail } from '../../shared/ml';
import type { RunningJob } from '../jobs/runner';
import { cachedGradCam, defaultGradCamClass, dropStaleGradCam, dropStaleGradCams } from '../ml/explain/gradcam-cache';
import { gradCamOverlay, type RenderedGradCam } from '../ml/explain/gradcam-render';
import type { Workspace } from './workspace';
import { jobSnapshot, startedJob } from './jobs';
import type { Validated } from './operation';
import { projectModel } from './project-model';

export function gradCamOperations(workspace: Workspace) {
  const { store, jobs } = workspace;
  /** Grad-CAM jobs of one image and class under way, by model/image/class, so that asking twice starts one job. */
  const making = new Map<string, string>();

  /** The project's active model, which must have finished training to be explained. */
  const activeModel = (project: Project): ModelDetail => {
    const model = projectModel(store, project, undefined, 'so there is no Grad-CAM to show');
    if (model.status !== 'ready') throw new GradedeskError('invalid', `The active model (${model.name}) is ${model.status}; Grad-CAM needs a finished model.`);
    return model;
  };
  const checkClass = (model: ModelDetail, targetClass: number) => {
    if (targetClass >= model.classes.length) {
      throw new GradedeskError('invalid', `Class ${targetClass} is not one of model ${model.id}'s classes (0–${model.classes.length - 1}).`);
    }
  };
  const unreadable = (fileName: string) => new GradedeskError('invalid', `${fileName} could not be imported, so there is no picture for Grad-CAM to explain.`);

  /** Maps of the active model for images of one project (the class each predicts, unless one is asked for), as a job. */
  const run = ({ projectId, imageIds, targetClass }: Validated<'gradcam.start'>): RunningJob<RenderedGradCam[]> => {
    const project = store.projects.get(projectId);
    const model = activeModel(project);
    if (targetClass !== undefined) checkClass(model, targetClass);
    const images = imageIds.map((imageId) => store.images.get(imageId));
    if (images.some((image) => image.projectId !== project.id)) throw new GradedeskError('invalid', 'Grad-CAM works on the images of one project at a time.');
    // Images that could not be imported have no picture to explain: leave them out rather than fail the job.
    const readable = images.filter((image) => image.status === 'ok').map((image) => image.id);
    if (readable.length === 0) {
      throw images.length === 1 ? unreadable(images[0]!.fileName) : new GradedeskError('invalid', 'None of these images could be imported, so there is nothing for Grad-CAM to explain.');
    }
    dropStaleGradCams(workspace.cacheDir, model);
    return workspace.startGradCam(project, readable, targetClass ?? null, model.id);
  };

  return {
    /** The model Grad-CAM explains in a project: its active one, finished. */
    model: (projectId: number): ModelDetail => activeModel(store.projects.get(projectId)),
    run,
    start: (request: Validated<'gradcam.start'>) => startedJob(workspace, run(request)),
    /** One image's map for Review: answered at once when cached, else made by a job (one per image and class). */
    render({ imageId, targetClass }: Validated<'gradcam.render'>): GradCamRender {
      const image = store.images.get(imageId);
      if (image.status !== 'ok') throw unreadable(image.fileName);
      const project = store.projects.get(image.projectId);
      const model = activeModel(project);
      const chosen = targetClass === undefined ? defaultGradCamClass(store, model.id, imageId) : { targetClass, classFrom: 'request' as const };
      checkClass(model, chosen.targetClass);
      const answer = { modelId: model.id, targetClass: chosen.targetClass, classFrom: chosen.classFrom };
      if (cachedGradCam(workspace.cacheDir, model, imageId, chosen.targetClass)) return { ...answer, job: null, ready: true };
      // Asked again while it is being made (another window, a quick back and forth): the same job answers.
      const key = `${model.id}/${imageId}/${chosen.targetClass}`;
      const jobId = making.get(key);
      if (jobId) return { ...answer, job: jobSnapshot(workspace, jobs.get(jobId)), ready: false };
      dropStaleGradCam(workspace.cacheDir, model, imageId, chosen.targetClass);
      const job = workspace.startGradCam(project, [imageId], chosen.targetClass, model.id);
      making.set(key, job.info.id);
      job.done.catch(() => undefined).finally(() => making.delete(key));
      return { ...answer, job: jobSnapshot(workspace, job.info), ready: false };
    },
    /** The model's input with the heat map on top, as a PNG: what Review shows, for a file. */
    overlay: (rendered: RenderedGradCam, opacity: number): Promise<Buffer> => gradCamOverlay(rendered, opacity),
  };
}
