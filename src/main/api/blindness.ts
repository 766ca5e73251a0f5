import type { ImageChange, ImageDetail, Method, ProjectSummary } from '../../shared/api';
import { forbidden } from '../../shared/errors';
import type { GridPage, ImageEvent } from '../../shared/domain';
import type { Person } from '../../shared/people';
import type { App } from '../app';

/**
 * What each call reveals of other graders' grades, the final label or the model's output, and so what a
 * blinded grader (a person with the role `grader`, in a project with a double protocol) may ask of it:
 * - `nothing`: reveals none of it (people, jobs, protocol and queue, the project's list of models…);
 * - `project-summary`: projects with their statistics, whose count of images per class is that of the final
 *   labels: answered without those counts for the projects graded blind;
 * - `own-work`: the grader's own grading; what it answers about the image is trimmed (below) until they have graded it;
 * - `image`: the image's label history, the model's prediction, Grad-CAM or similar cases: refused until they have graded it;
 * - `image-trimmed`: the image (images.get), answered without its label and note until they have graded it,
 *   so that they can open it to grade;
 * - `grid`: the Library's grid and positions in it: refused when the view filters or sorts by label or prediction,
 *   otherwise answered with the label and prediction of each image the grader has not graded removed;
 * - `project`: labels or model output of many images of the project (the grid, triage, agreement, exports…): refused;
 * - `model`: a model's evaluation on the project's labels: refused.
 * Adjudicators and admins are not blinded. test/unit/blindness.test.ts fails when a method has no decision here.
 */
export type BlindnessDecision = 'nothing' | 'project-summary' | 'own-work' | 'image' | 'image-trimmed' | 'grid' | 'project' | 'model';

export const BLINDNESS: Readonly<Record<Method, BlindnessDecision>> = {
  'app.info': 'nothing',
  'projects.list': 'project-summary',
  'projects.get': 'project-summary',
  'projects.create': 'nothing',
  'readers.list': 'nothing',
  'readers.ensure': 'nothing',
  'people.list': 'nothing',
  'people.add': 'nothing',
  'people.setRole': 'nothing',
  'people.disable': 'nothing',
  'people.revokeSessions': 'nothing',
  'people.createLink': 'nothing',
  'images.page': 'grid',
  'images.locate': 'grid',
  'images.get': 'image-trimmed',
  'images.setUngradable': 'own-work',
  'images.setNote': 'own-work',
  'labels.record': 'own-work',
  'labels.recordMany': 'own-work',
  'labels.bulkEffect': 'project',
  'labels.gradedSince': 'nothing',
  'labels.undo': 'own-work',
  'labels.undoMany': 'own-work',
  'labels.history': 'image',
  'agreement.summary': 'project',
  'protocol.get': 'nothing',
  'protocol.set': 'nothing',
  'queue.list': 'nothing',
  'queue.next': 'nothing',
  'queue.locate': 'nothing',
  'adjudication.list': 'project',
  'adjudication.decide': 'project',
  'imports.start': 'nothing',
  'jobs.list': 'nothing',
  'jobs.cancel': 'nothing',
  'ml.capabilities': 'nothing',
  'training.start': 'nothing',
  'training.resume': 'nothing',
  'training.findLearningRate': 'nothing',
  'training.learningRateFinding': 'nothing',
  'models.list': 'nothing',
  'models.get': 'model',
  'models.evaluate': 'model',
  'models.compare': 'model',
  'models.setReferralThreshold': 'nothing',
  'models.activate': 'nothing',
  'models.delete': 'nothing',
  'models.ensemble': 'nothing',
  'models.export': 'nothing',
  'models.exportBundle': 'nothing',
  'models.importBundle': 'nothing',
  'models.importOnnx': 'nothing',
  'predictions.start': 'nothing',
  'predictions.forImage': 'image',
  'gradcam.render': 'image',
  'gradcam.start': 'project',
  'triage.queue': 'project',
  'triage.locate': 'project',
  'similar.forImage': 'image',
  'similar.accept': 'image',
  'embeddings.summary': 'model',
  'embeddings.start': 'nothing',
  'exports.labels': 'project',
  'exports.predictions': 'project',
  'exports.submission': 'project',
  'exports.coco': 'project',
  'exports.report': 'project',
  'exports.dicom': 'nothing',
  'backbones.list': 'nothing',
  'backbones.add': 'nothing',
  'dialogs.pickFolder': 'nothing',
  'dialogs.pickLabelFile': 'nothing',
};

/** Who a call is made by, for blindness: the signed-in person, else (desktop app, single-token mode) the reader it names. */
export type Viewer = Pick<Person, 'id' | 'name' | 'role'>;

/** A grid view's filters and sorts that would tell the final label or the model's output. */
const REVEALING_FILTERS = ['label', 'unlabelled', 'conflicts', 'predicted', 'referableAtLeast'] as const;
const REVEALING_SORTS = ['label', 'predicted', 'referable'];

interface Named {
  projectId?: number;
  view?: { projectId: number; filter?: Record<string, unknown>; sort?: string };
  filter?: Record<string, unknown>;
  sort?: string;
  imageId?: number;
  imageIds?: number[];
  modelId?: number;
  eventId?: number;
  eventIds?: number[];
  readerId?: number;
}

const refusedWords = (viewer: Viewer, what: string) =>
  `${viewer.name}, this project is graded blind: ${what} is not shown to a grader until they have graded the image themselves.`;

/**
 * Enforces blindness on the server for one call: `check` refuses (forbidden) what the viewer may not see yet,
 * `trim` removes from an answer what they may not see yet (another grader's events, the image's label and note).
 */
export function blindnessGuard(app: App) {
  const { store } = app.workspace;
  const projectOf = (request: Named): number | null => {
    if (request.projectId !== undefined) return request.projectId;
    if (request.view) return request.view.projectId;
    if (request.imageId !== undefined) return store.images.get(request.imageId).projectId;
    if (request.imageIds?.length) return store.images.get(request.imageIds[0]!).projectId;
    if (request.modelId !== undefined) return store.models.get(request.modelId).projectId;
    const eventId = request.eventId ?? request.eventIds?.[0];
    if (eventId !== undefined) return store.images.get(store.labels.event(eventId).imageId).projectId;
    return null;
  };
  const blinded = (viewer: Viewer, request: Named) => {
    if (viewer.role !== 'grader') return false;
    const projectId = projectOf(request);
    return projectId !== null && app.protocols.get({ projectId }).kind !== 'single';
  };
  const hasGraded = (viewer: Viewer, imageId: number) => app.protocols.hasCalled(imageId, viewer.id);

  /** The viewer of a call: the person, else the reader the request names (desktop app and single-token mode). */
  const viewerOf = (request: unknown, person?: Person): Viewer | null => {
    if (person) return person;
    const { readerId } = request as Named;
    return readerId === undefined ? null : store.people.find(readerId);
  };

  const trimImage = (viewer: Viewer, image: ImageDetail): ImageDetail =>
    hasGraded(viewer, image.id) ? image : { ...image, label: null, note: null };
  const trimHistory = (viewer: Viewer, imageId: number, history: ImageEvent[]) =>
    hasGraded(viewer, imageId) ? history : history.filter((event) => event.readerName === viewer.name);

  const trimSummary = (project: ProjectSummary): ProjectSummary =>
    app.protocols.get({ projectId: project.id }).kind === 'single' ? project : { ...project, stats: { ...project.stats, perClass: {} } };
  const trimProjects = (answer: ProjectSummary | ProjectSummary[]) => (Array.isArray(answer) ? answer.map(trimSummary) : trimSummary(answer));

  return {
    viewerOf,
    check(method: Method, named: unknown, viewer: Viewer): void {
      const request = named as Named;
      const decision = BLINDNESS[method];
      if (decision === 'nothing' || decision === 'project-summary' || decision === 'own-work' || decision === 'image-trimmed' || !blinded(viewer, request)) return;
      if (decision === 'grid') {
        const view = request.view ?? request;
        const revealing = REVEALING_FILTERS.filter((key) => view.filter?.[key] !== undefined);
        if (revealing.length || REVEALING_SORTS.includes(view.sort ?? 'name')) {
          throw forbidden(refusedWords(viewer, 'a view of the images filtered or sorted by label or by the model\'s prediction'));
        }
        return;
      }
      if (decision === 'project') throw forbidden(refusedWords(viewer, `${method} shows other graders' grades, final labels or the model's output, and`));
      if (decision === 'model') throw forbidden(refusedWords(viewer, "the model's evaluation on this project's labels"));
      if (!hasGraded(viewer, request.imageId!)) {
        throw forbidden(refusedWords(viewer, method === 'labels.history' ? "the image's label history" : "the model's output for this image"));
      }
    },
    trim(method: Method, named: unknown, viewer: Viewer, answer: unknown): unknown {
      const request = named as Named;
      const decision = BLINDNESS[method];
      if (decision === 'project-summary') return viewer.role === 'grader' ? trimProjects(answer as ProjectSummary | ProjectSummary[]) : answer;
      if ((decision !== 'own-work' && decision !== 'image-trimmed' && decision !== 'grid') || !blinded(viewer, request)) return answer;
      if (method === 'images.get') return trimImage(viewer, answer as ImageDetail);
      if (method === 'images.page') {
        const page = answer as GridPage;
        const graded = app.protocols.calledBy(projectOf(request)!, viewer.id);
        return { ...page, rows: page.rows.map((row) => (graded.has(row.id) ? row : { ...row, label: null, prediction: null, ungradable: false })) };
      }
      const change = answer as Partial<ImageChange<unknown>>;
      if (change && typeof change === 'object' && change.image && change.history) {
        return { ...change, image: trimImage(viewer, change.image), history: trimHistory(viewer, change.image.id, change.history) };
      }
      return answer;
    },
  };
}

export type BlindnessGuard = ReturnType<typeof blindnessGuard>;
