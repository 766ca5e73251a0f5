import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { positionIn, type Api, type ImageDetail, type JobSnapshot, type Method, type ProjectSummary, type ResponseOf } from '../../shared/api';
import { taskSpecFor, type Project } from '../../shared/domain';
import { GradedeskError } from '../../shared/errors';
import type { ImportReport } from '../../shared/import-report';
import type { JobInfo } from '../jobs/runner';
import { initBackend } from '../ml/backend';
import { measuredRates } from '../ml/training-rates';
import { evaluateModel } from '../ml/model-evaluation';
import { compareModels } from '../ml/model-comparison';
import { cachedGradCam, defaultGradCamClass, dropStaleGradCam, dropStaleGradCams } from '../ml/gradcam-cache';
import { gradCamFiles } from '../ml/gradcam-render';
import { createEnsemble } from '../ml/ensemble';
import { exportModelTo } from '../ml/model-export';
import { triagePosition, triageQueue } from '../ml/triage';
import type { LearningRateFinding } from '../../shared/ml';
import type { Workspace } from '../workspace';
import { SimilarCases } from '../search/similar-cases';
import type { ApiEvents } from './events';

export type Handlers = {
  [M in Method]: (request: z.output<Api[M]['request']>) => Promise<ResponseOf<M>> | ResponseOf<M>;
};

/** What differs between the desktop app and browser mode. */
export interface Platform {
  mode: 'desktop' | 'browser';
  version: string;
  pickFolder?: (title?: string) => Promise<string | null>;
  pickLabelFile?: () => Promise<string | null>;
}

const jobSnapshot = (workspace: Workspace, info: JobInfo): JobSnapshot => ({
  ...info,
  report: info.kind === 'import' && info.state !== 'running' ? ((workspace.jobs.result(info.id) as ImportReport | undefined) ?? null) : null,
});

/** Forwards the workspace's job progress and endings as api events; returns the function that stops it. */
export function forwardJobEvents(workspace: Workspace, events: ApiEvents): () => void {
  const progress = (info: JobInfo) => events.emit('job.progress', jobSnapshot(workspace, info));
  const finished = (info: JobInfo) => {
    events.emit('job.finished', jobSnapshot(workspace, info));
    if (info.kind === 'import') events.emit('data.changed', { projectId: null, imageIds: null, what: 'images' });
    if (info.kind === 'training' || info.kind === 'prediction') events.emit('data.changed', { projectId: info.projectId, imageIds: null, what: 'predictions' });
  };
  workspace.jobs.on('progress', progress).on('finished', finished);
  return () => workspace.jobs.off('progress', progress).off('finished', finished);
}

/** The one implementation of the api table, on top of the workspace. */
export function createHandlers(workspace: Workspace, events: ApiEvents, platform: Platform): Handlers {
  const { store, jobs } = workspace;
  const summary = (project: Project): ProjectSummary => ({ ...project, stats: store.stats(project) });
  const projectOfImage = (imageId: number) => store.projects.get(store.images.get(imageId).projectId);
  const snapshot = (info: JobInfo) => jobSnapshot(workspace, info);
  let similar: SimilarCases | null = null;
  const similarCases = () => (similar ??= new SimilarCases(store, workspace.dataDir));
  const detail = (imageId: number): ImageDetail => {
    const image = store.images.get(imageId);
    return {
      id: image.id,
      projectId: image.projectId,
      fileName: image.fileName,
      path: image.path,
      width: image.width,
      height: image.height,
      bytes: image.bytes,
      format: image.format,
      groupId: image.groupId,
      eye: image.eye,
      status: image.status,
      errorKind: image.errorKind,
      errorText: image.errorText,
      ungradable: image.ungradable,
      duplicateOf: image.duplicateOf,
      duplicateKind: image.duplicateKind,
      note: image.note,
      sourceMeta: image.sourceMeta,
      label: store.labels.current(imageId),
      fellowEyeId: store.images.fellowEye(imageId),
    };
  };
  const changed = (projectId: number, imageIds: number[], what: 'labels' | 'flags') =>
    events.emit('data.changed', { projectId, imageIds, what });
  /** Grad-CAM jobs of one image and class under way, by model/image/class, so that asking twice starts one job. */
  const gradCamsMaking = new Map<string, string>();
  const activeGradCamModel = (project: Project) => {
    const active = store.models.active(project.id);
    if (!active) throw new GradedeskError('invalid', `${project.name} has no active model, so there is no Grad-CAM to show; train one in the Train view first.`);
    const model = store.models.get(active.id);
    if (model.status !== 'ready') throw new GradedeskError('invalid', `The active model (${model.name}) is ${model.status}; Grad-CAM needs a finished model.`);
    return model;
  };
  const gradCamModel = (imageId: number) => {
    const image = store.images.get(imageId);
    if (image.status !== 'ok') throw new GradedeskError('invalid', `${image.fileName} could not be imported, so there is no picture for Grad-CAM to explain.`);
    const project = store.projects.get(image.projectId);
    return { project, model: activeGradCamModel(project) };
  };
  const checkGradCamClass = (model: { id: number; classes: string[] }, targetClass: number) => {
    if (targetClass >= model.classes.length) {
      throw new GradedeskError('invalid', `Class ${targetClass} is not one of model ${model.id}'s classes (0–${model.classes.length - 1}).`);
    }
  };
  const unavailable = (what: string) => {
    throw new GradedeskError('unsupported', `${what} exists only in the desktop app; type the path instead.`);
  };

  return {
    'app.info': () => ({ mode: platform.mode, version: platform.version, dataDir: workspace.dataDir, canPickFiles: Boolean(platform.pickFolder) }),

    'projects.list': () => store.projects.list().map(summary),
    'projects.get': ({ projectId }) => summary(store.projects.get(projectId)),
    'projects.create': ({ name, task, classes }) => {
      const project = store.projects.create(name, taskSpecFor(task, classes));
      events.emit('data.changed', { projectId: project.id, imageIds: null, what: 'projects' });
      return project;
    },

    'readers.list': () => store.readers.list(),
    'readers.ensure': ({ name }) => store.readers.ensure(name),

    'images.page': ({ offset, limit, ...view }) => store.images.page(store.projects.get(view.projectId).task, { ...view, offset, limit }),
    'images.locate': ({ view, imageId }) => positionIn(store.images.orderedIds(store.projects.get(view.projectId).task, view), imageId),
    'images.get': ({ imageId }) => detail(imageId),
    'images.setUngradable': ({ imageId, ungradable, readerId }) => {
      const event = store.labels.setUngradable(imageId, ungradable, readerId);
      changed(store.images.get(imageId).projectId, [imageId], 'flags');
      return { image: detail(imageId), event, history: store.labels.history(imageId) };
    },
    'images.setNote': ({ imageId, note, readerId }) => {
      const event = store.labels.setNote(imageId, note, readerId);
      changed(store.images.get(imageId).projectId, [imageId], 'flags');
      return { image: detail(imageId), event, history: store.labels.history(imageId) };
    },

    'labels.record': ({ imageId, value, readerId, note }) => {
      const project = projectOfImage(imageId);
      const event = store.labels.record(project.task, { imageId, value, source: 'reader', readerId, note })!;
      changed(project.id, [imageId], 'labels');
      return { event, image: detail(imageId), history: store.labels.history(imageId) };
    },
    'labels.recordMany': ({ imageIds: named, value, readerId }) => {
      const imageIds = [...new Set(named)];
      const project = projectOfImage(imageIds[0]!);
      if (imageIds.some((imageId) => store.images.get(imageId).projectId !== project.id)) {
        throw new GradedeskError('invalid', 'Bulk grading works on the images of one project at a time.');
      }
      const labels = imageIds.map((imageId) => ({ imageId, value, source: 'reader' as const, readerId }));
      const written = store.labels.recordMany(project.task, labels);
      changed(project.id, imageIds, 'labels');
      return written;
    },
    'labels.bulkEffect': ({ imageIds, value }) => store.images.bulkGradeEffect(imageIds, value),
    'labels.gradedSince': ({ projectId, readerId, since }) => ({ graded: store.labels.gradedSince(projectId, readerId, since) }),
    'labels.undo': ({ eventId, readerId }) => {
      const imageId = store.labels.event(eventId).imageId;
      const project = projectOfImage(imageId);
      const event = store.labels.undo(project.task, eventId, readerId);
      changed(project.id, [imageId], event.kind === 'label' ? 'labels' : 'flags');
      return event;
    },
    'labels.undoMany': ({ eventIds: named, readerId }) => {
      const eventIds = [...new Set(named)];
      const project = projectOfImage(store.labels.event(eventIds[0]!).imageId);
      const events = store.labels.undoMany(project.task, eventIds, readerId);
      changed(project.id, events.map((event) => event.imageId), 'labels');
      return events;
    },
    'labels.history': ({ imageId }) => {
      store.images.get(imageId);
      return store.labels.history(imageId);
    },

    'imports.start': ({ projectId, folder, labelsFile }) => {
      const job = workspace.startImport({ project: store.projects.get(projectId), folder, labelsFile });
      // Failures reach the renderer as a `job.finished` event with the error; nothing to rethrow here.
      job.done.catch(() => undefined);
      return snapshot(job.info);
    },
    'ml.capabilities': async () => {
      const backend = await initBackend();
      return { backend, backbones: workspace.engine.backbones.list(), rates: measuredRates(store) };
    },
    'training.start': ({ projectId, options, name }) => {
      const { modelId, job } = workspace.startTraining(store.projects.get(projectId), options, name);
      job.done.catch(() => undefined);
      return { job: snapshot(job.info), modelId };
    },
    'training.resume': ({ modelId }) => {
      const job = workspace.resumeTraining(modelId);
      job.done.catch(() => undefined);
      return { job: snapshot(job.info), modelId };
    },
    'training.findLearningRate': ({ projectId, options }) => {
      const job = workspace.startLearningRateFinder(store.projects.get(projectId), options);
      job.done.catch(() => undefined);
      return snapshot(job.info);
    },
    'training.learningRateFinding': ({ jobId }) => {
      const info = jobs.get(jobId);
      if (info.kind !== 'lr-finder') throw new GradedeskError('invalid', `Job ${jobId} is not a learning-rate finder.`);
      return (jobs.result(jobId) as LearningRateFinding | undefined) ?? null;
    },
    'models.list': ({ projectId }) => store.models.list(store.projects.get(projectId).id),
    'models.get': ({ modelId }) => store.models.get(modelId),
    'models.evaluate': ({ modelId, threshold }) => evaluateModel(store, modelId, threshold),
    'models.compare': ({ modelId, otherId, threshold, otherThreshold }) =>
      compareModels(store, modelId, otherId, { ...(threshold === undefined ? {} : { a: threshold }), ...(otherThreshold === undefined ? {} : { b: otherThreshold }) }),
    'models.setReferralThreshold': ({ modelId, threshold }) => {
      const model = store.models.setReferralThreshold(modelId, threshold);
      events.emit('data.changed', { projectId: model.projectId, imageIds: null, what: 'predictions' });
      return model;
    },
    'models.activate': ({ modelId }) => {
      const model = store.models.activate(modelId);
      events.emit('data.changed', { projectId: model.projectId, imageIds: null, what: 'predictions' });
      return model;
    },
    'models.delete': ({ modelId }) => {
      const { projectId } = store.models.get(modelId);
      const dir = store.models.dir(modelId);
      store.models.delete(modelId);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(path.dirname(gradCamFiles(workspace.cacheDir, modelId, 0, 0).heatmap), { recursive: true, force: true });
      events.emit('data.changed', { projectId, imageIds: null, what: 'predictions' });
      return { deleted: modelId };
    },
    'models.export': ({ modelId, dir }) => exportModelTo(store, modelId, dir),
    'models.ensemble': ({ modelIds, name }) => {
      const ensemble = createEnsemble(store, workspace.engine.modelsDir, modelIds, name);
      events.emit('data.changed', { projectId: ensemble.projectId, imageIds: null, what: 'predictions' });
      return ensemble;
    },
    'predictions.start': ({ projectId, modelId, imageIds }) => {
      const job = workspace.startPrediction(store.projects.get(projectId), modelId, imageIds);
      job.done.catch(() => undefined);
      return snapshot(job.info);
    },
    'predictions.forImage': ({ imageId }) => {
      const model = store.models.active(store.images.get(imageId).projectId);
      const prediction = model && store.predictions.forImage(model.id, imageId);
      return model && prediction ? { model, prediction } : null;
    },
    'triage.queue': ({ projectId, order, ...options }) => triageQueue(store, projectId, order, options),
    'triage.locate': ({ projectId, order, imageId, includeReviewed }) => triagePosition(store, projectId, order, imageId, { includeReviewed }),
    'gradcam.render': ({ imageId, targetClass }) => {
      const { project, model } = gradCamModel(imageId);
      const chosen = targetClass === undefined ? defaultGradCamClass(store, model.id, imageId) : { targetClass, classFrom: 'request' as const };
      checkGradCamClass(model, chosen.targetClass);
      const answer = { modelId: model.id, targetClass: chosen.targetClass, classFrom: chosen.classFrom };
      if (cachedGradCam(workspace.cacheDir, model, imageId, chosen.targetClass)) return { ...answer, job: null, ready: true };
      // Asked again while it is being made (another window, a quick back and forth): the same job answers.
      const key = `${model.id}/${imageId}/${chosen.targetClass}`;
      const making = gradCamsMaking.get(key);
      if (making) return { ...answer, job: snapshot(jobs.get(making)), ready: false };
      dropStaleGradCam(workspace.cacheDir, model, imageId, chosen.targetClass);
      const job = workspace.startGradCam(project, [imageId], chosen.targetClass, model.id);
      gradCamsMaking.set(key, job.info.id);
      job.done.catch(() => undefined).finally(() => gradCamsMaking.delete(key));
      return { ...answer, job: snapshot(job.info), ready: false };
    },
    'gradcam.start': ({ projectId, imageIds, targetClass }) => {
      const project = store.projects.get(projectId);
      const model = activeGradCamModel(project);
      if (targetClass !== undefined) checkGradCamClass(model, targetClass);
      const images = imageIds.map((imageId) => store.images.get(imageId));
      if (images.some((image) => image.projectId !== project.id)) throw new GradedeskError('invalid', 'Grad-CAM works on the images of one project at a time.');
      // Images that could not be imported have no picture to explain: leave them out rather than fail the job.
      const readable = images.filter((image) => image.status === 'ok').map((image) => image.id);
      if (readable.length === 0) throw new GradedeskError('invalid', 'None of these images could be imported, so there is nothing for Grad-CAM to explain.');
      dropStaleGradCams(workspace.cacheDir, model);
      const job = workspace.startGradCam(project, readable, targetClass ?? null, model.id);
      job.done.catch(() => undefined);
      return snapshot(job.info);
    },

    'similar.forImage': ({ imageId, k }) => similarCases().forImage(imageId, k),
    'similar.accept': ({ imageId, readerId, label, minConfidence }) => {
      const event = similarCases().accept(imageId, readerId, { label, minConfidence });
      changed(store.images.get(imageId).projectId, [imageId], 'labels');
      return event;
    },
    'embeddings.summary': ({ modelId }) => {
      store.models.get(modelId);
      return similarCases().summary(modelId);
    },
    'embeddings.start': ({ projectId, groupBy, ...options }) => {
      const job = workspace.startEmbedding(store.projects.get(projectId), { ...(groupBy ? { groupBy } : {}), options });
      job.done.catch(() => undefined);
      return snapshot(job.info);
    },

    'jobs.list': () => jobs.list().map(snapshot),
    'jobs.cancel': ({ jobId }) => snapshot(jobs.cancel(jobId)),

    'dialogs.pickFolder': ({ title }) => (platform.pickFolder ? platform.pickFolder(title) : unavailable('A folder picker')),
    'dialogs.pickLabelFile': () => (platform.pickLabelFile ? platform.pickLabelFile() : unavailable('A file picker')),
  };
}
