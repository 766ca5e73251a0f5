/**
 * What Train and Evaluate share about the open project's models: the form, the backend and backbones,
 * the model list, the model whose curves are shown, and the training, learning-rate and prediction jobs
 * followed. Kept outside the views so that a run goes on being shown after a view switch, and is found
 * again from the job list after a reload.
 */
import type { JobSnapshot, ProjectSummary } from '../../../../shared/api';
import type { BackboneInfo, BackendInfo, LearningRateFinding, ModelDetail, ModelSummary, TrainingRate } from '../../../../shared/ml';
import { call, errorSentence, on } from '../api';
import { epochKey } from './epochs';
import { FollowedJob } from '../jobs/followed-job.svelte';
import { latestJob } from '../jobs/job-follow';
import { catchUpFromJobList, watchJobs } from '../jobs/job-watch';
import { defaultModelId, modelIdOf } from './models';
import { defaultForm, optionsFromForm, rateForForm, type FieldProblem, type TrainForm } from './options-form';

export const train = $state({
  /** The project the form, the model list and the selection belong to. */
  projectId: null as number | null,
  form: null as TrainForm | null,
  /** The name to give the next model; blank lets the engine name it. */
  modelName: '',
  problems: [] as FieldProblem[],
  backend: null as BackendInfo | null,
  backbones: [] as BackboneInfo[],
  /** Rates measured by finished runs, for the estimate before Start. */
  rates: [] as TrainingRate[],
  capabilitiesError: '',
  canPickFiles: false,
  models: [] as ModelSummary[],
  modelsLoaded: false,
  modelsError: '',
  /** The model whose curves and epochs are shown, and what Resume resumes. */
  selectedId: null as number | null,
  detail: null as ModelDetail | null,
  detailError: '',
  finding: null as LearningRateFinding | null,
  findingError: '',
  /** The outcome of the last activate, delete or export, for the status line. */
  message: { text: '', tone: 'info' as 'info' | 'error' },
});

let lastEpochKey = '';

export const trainingJob = new FollowedJob('training', (job, previous) => {
  const modelId = modelIdOf(job);
  const firstSight = previous?.id !== job.id;
  const ended = job.state !== 'running';
  // A run started or found: show its curves, if it trains a model of the open project.
  if (firstSight && modelId !== null && job.projectId === train.projectId && train.selectedId !== modelId) {
    train.selectedId = modelId;
    train.detail = null;
  }
  const key = epochKey(job.progress?.training);
  if (modelId !== null && modelId === train.selectedId && (key !== lastEpochKey || ended || firstSight)) {
    lastEpochKey = key;
    void loadDetail(modelId);
  }
  if (firstSight || (ended && previous?.state === 'running')) void refreshModels();
  // A finished run measured a new rate for the estimate before the next Start.
  if (ended && previous?.state === 'running') void loadCapabilities();
});

export const learningRateJob = new FollowedJob('lr-finder', (job, previous) => {
  if (previous?.id !== job.id) {
    train.finding = null;
    train.findingError = '';
  }
  if (job.state === 'done' && !train.finding) void loadFinding(job.id);
});

export const predictionJob = new FollowedJob('prediction', (job, previous) => {
  if (job.state === 'done' && previous?.state === 'running') train.message = { text: 'Predictions finished: the Library and Review show them.', tone: 'info' };
});

let watching = false;

/** Starts following jobs for the rest of the window's life; safe to call again. */
export function watchTraining(): void {
  if (watching) return;
  watching = true;
  // A run or a prediction finished elsewhere (another window, the CLI) changes the model list too.
  on('data.changed', ({ projectId, what }) => {
    if (what === 'predictions' && projectId === train.projectId) void refreshModels();
  });
  call('app.info', {}).then((info) => (train.canPickFiles = info.canPickFiles), () => undefined);
  void loadCapabilities();
  watchJobs([trainingJob, learningRateJob, predictionJob], catchUpFrom);
}

export const catchUpWithJobs = (): Promise<void> => catchUpFromJobList(catchUpFrom);

function catchUpFrom(jobs: readonly JobSnapshot[]): void {
  trainingJob.catchUp(jobs, (list) => latestJob(list, 'training', { running: true }));
  predictionJob.catchUp(jobs, (list) => latestJob(list, 'prediction', { running: true }));
  // A finished finder is found again too, so its plot survives a reload.
  if (train.projectId !== null) {
    const projectId = train.projectId;
    learningRateJob.catchUp(jobs, (list) => latestJob(list, 'lr-finder', { projectId }));
  }
}

async function loadCapabilities(): Promise<void> {
  try {
    const capabilities = await call('ml.capabilities', {});
    train.backend = capabilities.backend;
    train.backbones = capabilities.backbones;
    train.rates = capabilities.rates;
    train.capabilitiesError = '';
  } catch (error) {
    train.capabilitiesError = `The training engine could not say what it can do: ${errorSentence(error)}`;
  }
}

/** Train or Evaluate shown for a project: a new project starts from its own defaults and models. */
export function openModelsOf(project: ProjectSummary): void {
  if (train.projectId !== project.id) {
    train.projectId = project.id;
    train.form = defaultForm(project.task);
    train.problems = [];
    train.models = [];
    train.modelsLoaded = false;
    train.selectedId = null;
    train.detail = null;
    train.finding = null;
    train.message = { text: '', tone: 'info' };
    if (learningRateJob.job && learningRateJob.job.projectId !== project.id) learningRateJob.clear();
  }
  train.form ??= defaultForm(project.task);
  if (!train.backend && !train.backbones.length) void loadCapabilities();
  void refreshModels();
  void catchUpWithJobs();
}

export async function refreshModels(): Promise<void> {
  const projectId = train.projectId;
  if (projectId === null) return;
  try {
    const models = await call('models.list', { projectId });
    if (projectId !== train.projectId) return;
    train.models = models;
    train.modelsError = '';
  } catch (error) {
    train.modelsError = `The models could not be listed: ${errorSentence(error)}`;
  }
  train.modelsLoaded = true;
  if (train.selectedId === null || !train.models.some((model) => model.id === train.selectedId)) {
    const running = trainingJob.job?.state === 'running' && trainingJob.job.projectId === projectId ? modelIdOf(trainingJob.job) : null;
    train.selectedId = running ?? defaultModelId(train.models);
    train.detail = null;
  }
  if (train.selectedId !== null && train.detail?.id !== train.selectedId) void loadDetail(train.selectedId);
}

export function selectModel(modelId: number): void {
  if (train.selectedId === modelId) return;
  train.selectedId = modelId;
  train.detail = null;
  void loadDetail(modelId);
}

let detailRequest = 0;

async function loadDetail(modelId: number): Promise<void> {
  const request = ++detailRequest;
  try {
    const detail = await call('models.get', { modelId });
    if (request !== detailRequest || train.selectedId !== modelId) return;
    train.detail = detail;
    train.detailError = '';
  } catch (error) {
    if (request === detailRequest) train.detailError = `Model ${modelId} could not be loaded: ${errorSentence(error)}`;
  }
}

async function loadFinding(jobId: string): Promise<void> {
  try {
    const finding = await call('training.learningRateFinding', { jobId });
    if (learningRateJob.job?.id !== jobId) return;
    train.finding = finding;
    train.findingError = finding ? '' : 'The learning-rate finder has no result yet.';
  } catch (error) {
    train.findingError = `The learning-rate curve could not be loaded: ${errorSentence(error)}`;
  }
}

/** The form's options, or null with the problems shown next to their fields. */
function checkedOptions(project: ProjectSummary) {
  if (!train.form) return null;
  const result = optionsFromForm(train.form, project.task, train.backend);
  train.problems = result.ok ? [] : result.problems;
  return result.ok ? result.options : null;
}

export async function startTraining(project: ProjectSummary): Promise<boolean> {
  const options = checkedOptions(project);
  if (!options || trainingJob.running) return false;
  const name = train.modelName;
  let modelId: number | null = null;
  const job = await trainingJob.start(async () => {
    const started = await call('training.start', { projectId: project.id, options, ...(name.trim() ? { name: name.trim() } : {}) });
    modelId = started.modelId;
    return started.job;
  });
  if (job && modelId !== null) selectModel(modelId);
  if (job) train.modelName = '';
  return job !== null;
}

export async function resumeTraining(modelId: number): Promise<void> {
  if (trainingJob.running) return;
  const job = await trainingJob.start(async () => (await call('training.resume', { modelId })).job);
  if (job) {
    train.selectedId = modelId;
    void loadDetail(modelId);
    void refreshModels();
  }
}

export async function findLearningRate(project: ProjectSummary): Promise<void> {
  const options = checkedOptions(project);
  if (!options || learningRateJob.running) return;
  train.finding = null;
  train.findingError = '';
  await learningRateJob.start(() => call('training.findLearningRate', { projectId: project.id, options }));
}

export function useSuggestedRate(): void {
  const suggested = train.finding?.suggested;
  if (!train.form || typeof suggested !== 'number') return;
  train.form.learningRate = rateForForm(suggested);
  train.problems = train.problems.filter((problem) => problem.field !== 'learningRate');
}

const say = (text: string, tone: 'info' | 'error' = 'info') => (train.message = { text, tone });

export async function activateModel(model: ModelSummary): Promise<void> {
  try {
    await call('models.activate', { modelId: model.id });
    say(`“${model.name}” is now the active model. Predict the project’s images with it to see its grades in the Library.`);
  } catch (error) {
    say(`“${model.name}” could not be activated: ${errorSentence(error)}`, 'error');
  }
  await refreshModels();
}

export async function deleteModel(model: ModelSummary): Promise<void> {
  try {
    await call('models.delete', { modelId: model.id });
    say(`Deleted “${model.name}”.`);
    if (train.selectedId === model.id) {
      train.selectedId = null;
      train.detail = null;
    }
  } catch (error) {
    say(`“${model.name}” could not be deleted: ${errorSentence(error)}`, 'error');
  }
  await refreshModels();
}

export async function exportModel(model: ModelSummary, dir: string): Promise<boolean> {
  try {
    const exported = await call('models.export', { modelId: model.id, dir });
    say(`Exported “${model.name}” to ${exported.dir} (${exported.files.length} file${exported.files.length === 1 ? '' : 's'}).`);
    return true;
  } catch (error) {
    say(`“${model.name}” could not be exported: ${errorSentence(error)}`, 'error');
    return false;
  }
}

/** A model bundle (.gdmodel) from another data folder or computer, as a finished model of the project. */
export async function importBundle(project: ProjectSummary, file: string): Promise<boolean> {
  try {
    const model = await call('models.importBundle', { projectId: project.id, file });
    const active = model.active ? ' It is now the active model.' : ' The active model stays: this one was not better on the same images.';
    say(`Imported “${model.name}” from ${file}.${active} Predict the project’s images with it to see its grades.`);
    return true;
  } catch (error) {
    say(`The bundle was not imported: ${errorSentence(error)}`, 'error');
    return false;
  } finally {
    await refreshModels();
  }
}

export async function predictImages(projectId: number, modelId?: number): Promise<void> {
  if (predictionJob.running) return;
  await predictionJob.start(() => call('predictions.start', { projectId, ...(modelId ? { modelId } : {}) }));
}
