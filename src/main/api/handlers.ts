import type { Method, ResponseOf } from '../../shared/api';
import { GradedeskError } from '../../shared/errors';
import { createApp } from '../app';
import type { DataChange } from '../app/changes';
import { jobSnapshot } from '../app/jobs';
import type { Validated } from '../app/operation';
import type { JobInfo } from '../jobs/runner';
import type { Workspace } from '../app/workspace';
import type { ApiEvents } from './events';
import { blindnessGuard, type BlindnessGuard } from './blindness';

export type Handlers = {
  [M in Method]: (request: Validated<M>) => Promise<ResponseOf<M>> | ResponseOf<M>;
} & {
  /** Blind grading, enforced by `dispatch` for every call (see api/blindness.ts). */
  readonly [BLINDNESS_GUARD]?: BlindnessGuard;
};

export const BLINDNESS_GUARD = Symbol('blindness guard');

/** What differs between the desktop app and browser mode. */
export interface Platform {
  mode: 'desktop' | 'browser';
  version: string;
  pickFolder?: (title?: string) => Promise<string | null>;
  pickLabelFile?: () => Promise<string | null>;
  /** The PDF of an HTML file (the desktop app's printToPDF); absent where no Electron runs. */
  printToPdf?: (htmlFile: string) => Promise<Buffer>;
}

/**
 * Forwards the workspace's job progress and endings, and the data its operations changed, as api events;
 * returns the function that stops it.
 */
export function forwardAppEvents(workspace: Workspace, events: ApiEvents): () => void {
  const progress = (info: JobInfo) => events.emit('job.progress', jobSnapshot(workspace, info));
  const finished = (info: JobInfo) => events.emit('job.finished', jobSnapshot(workspace, info));
  const changed = (change: DataChange) => events.emit('data.changed', change);
  workspace.jobs.on('progress', progress);
  // Before the data the job changed, which the workspace announces on the same ending.
  workspace.jobs.prependListener('finished', finished);
  workspace.changes.on('changed', changed);
  return () => {
    workspace.jobs.off('progress', progress).off('finished', finished);
    workspace.changes.off('changed', changed);
  };
}

const unavailable = (what: string): never => {
  throw new GradedeskError('unsupported', `${what} exists only in the desktop app; type the path instead.`);
};

/** The api table: each method is one operation of the app; only the platform's own calls are answered here. */
export function createHandlers(workspace: Workspace, platform: Platform): Handlers {
  const app = createApp(workspace);
  return {
    [BLINDNESS_GUARD]: blindnessGuard(app),
    'app.info': () => ({ mode: platform.mode, version: platform.version, dataDir: workspace.dataDir, canPickFiles: Boolean(platform.pickFolder) }),

    'projects.list': app.projects.list,
    'projects.get': app.projects.get,
    'projects.create': app.projects.create,

    'readers.list': app.readers.list,
    'readers.ensure': app.readers.ensure,

    'people.list': app.people.list,
    'people.add': app.people.add,
    'people.setRole': app.people.setRole,
    'people.disable': app.people.disable,
    'people.revokeSessions': app.people.revokeSessions,
    'people.createLink': app.people.createLink,

    'images.page': app.images.page,
    'images.locate': app.images.locate,
    'images.get': app.images.get,
    'images.setUngradable': app.images.setUngradable,
    'images.setNote': app.images.setNote,

    'labels.record': app.labels.record,
    'labels.recordMany': app.labels.recordMany,
    'labels.bulkEffect': app.labels.bulkEffect,
    'labels.gradedSince': app.labels.gradedSince,
    'labels.undo': app.labels.undo,
    'labels.undoMany': app.labels.undoMany,
    'labels.history': app.labels.history,
    'agreement.summary': app.agreement.summary,

    'protocol.get': app.protocols.get,
    'protocol.set': app.protocols.set,
    'queue.list': app.protocols.queueList,
    'queue.next': app.protocols.queueNext,
    'queue.locate': app.protocols.queueLocate,
    'adjudication.list': app.protocols.adjudicationList,
    'adjudication.decide': app.protocols.adjudicationDecide,

    'imports.start': app.imports.start,
    'jobs.list': app.jobs.list,
    'jobs.cancel': app.jobs.cancel,

    'ml.capabilities': app.training.capabilities,
    'training.start': app.training.start,
    'training.resume': app.training.resume,
    'training.findLearningRate': app.training.findLearningRate,
    'training.learningRateFinding': app.training.learningRateFinding,
    'backbones.list': app.backbones.list,
    'backbones.add': app.backbones.add,

    'models.list': app.models.list,
    'models.get': app.models.get,
    'models.evaluate': app.models.evaluate,
    'models.compare': app.models.compare,
    'models.setReferralThreshold': app.models.setReferralThreshold,
    'models.activate': app.models.activate,
    'models.delete': app.models.delete,
    'models.export': app.models.export,
    'models.importOnnx': app.models.importOnnx,
    'models.ensemble': app.models.ensemble,
    'models.exportBundle': app.models.exportBundle,
    'models.importBundle': app.models.importBundle,

    'predictions.start': app.predictions.start,
    'predictions.forImage': app.predictions.forImage,
    'triage.queue': app.triage.queue,
    'triage.locate': app.triage.locate,
    'gradcam.render': app.gradcam.render,
    'gradcam.start': app.gradcam.start,
    'similar.forImage': app.similar.forImage,
    'similar.accept': app.similar.accept,
    'embeddings.summary': app.embeddings.summary,
    'embeddings.start': app.embeddings.start,

    'exports.dicom': app.exports.dicom,
    'exports.labels': app.exports.labels,
    'exports.predictions': app.exports.predictions,
    'exports.submission': app.exports.submission,
    'exports.coco': app.exports.coco,
    'exports.report': (request) => app.exports.report(request, platform.printToPdf),

    'dialogs.pickFolder': ({ title }) => (platform.pickFolder ? platform.pickFolder(title) : unavailable('A folder picker')),
    'dialogs.pickLabelFile': () => (platform.pickLabelFile ? platform.pickLabelFile() : unavailable('A file picker')),
  };
}
