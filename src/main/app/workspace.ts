import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError } from '../../shared/errors';
import type { Piscina } from 'piscina';
import type { Project } from '../../shared/domain';
import type { ImportReport } from '../../shared/import-report';
import type { LearningRateFinding, TrainOptions } from '../../shared/ml';
import type { FileAnalysis, FileAnalysisRequest } from '../ingest/analyse-file';
import analyseWorkerScript from '../ingest/analyse-worker?modulePath';
import pixelWorkerScript from '../ml/features/pixel-worker?modulePath';
import { importFolder, type ImportRequest } from '../ingest/import-folder';
import { JobRunner, type RunningJob } from '../jobs/runner';
import { createWorkerPool } from '../jobs/worker-pool';
import { createEngine, type Engine } from '../ml/engine/engine';
import type { EmbedOutcome, EmbedRequest } from '../ml/embeddings/embed';
import { runEngineTask } from '../ml/engine/engine-jobs';
import type { EngineJobKind, EngineResult } from '../ml/engine/worker-protocol';
import type { RenderedGradCam } from '../ml/explain/gradcam-render';
import type { PredictionOutcome } from '../ml/models/predict';
import type { TrainingOutcome } from '../ml/training/training-run';
import { prepareModel } from '../ml/training/training-snapshot';
import { Store } from '../store';
import { changeOfFinishedJob, DataChanges } from './changes';
import { projectModel } from './project-model';

/** What each kind of job returns when it ends. */
export type WorkspaceJobResults = { import: ImportReport } & { [K in EngineJobKind]: EngineResult<K> };

/**
 * One open data directory: its store, its cache of derived images, and the jobs running on it.
 * The CLI, the desktop app and the browser bridge all work through this object.
 */
export class Workspace {
  readonly jobs = new JobRunner<WorkspaceJobResults>();
  /** What the app's operations and jobs changed; the api forwards it to the windows as `data.changed`. */
  readonly changes = new DataChanges();
  private analysePool: Piscina<FileAnalysisRequest, FileAnalysis[]> | null = null;
  readonly engine: Engine;

  private constructor(
    readonly dataDir: string,
    readonly store: Store,
  ) {
    this.engine = createEngine(store, dataDir, pixelWorkerScript);
    this.jobs.on('finished', (info) => {
      const change = changeOfFinishedJob(info);
      if (change) this.changes.announce(change);
    });
  }

  static open(dataDir: string): Workspace {
    fs.mkdirSync(dataDir, { recursive: true });
    return new Workspace(dataDir, Store.open(dataDir));
  }

  get cacheDir(): string {
    return path.join(this.dataDir, 'cache');
  }

  /** Starts importing a folder as a job; its progress and end are reported through `jobs`. */
  startImport(request: ImportRequest): RunningJob<ImportReport> {
    this.analysePool ??= createWorkerPool(analyseWorkerScript);
    const context = { store: this.store, cacheDir: this.cacheDir, pool: this.analysePool };
    const details: Record<string, string> = { folder: path.resolve(request.folder) };
    if (request.labelsFile) details.labelsFile = path.resolve(request.labelsFile);
    return this.jobs.start(
      'import',
      `Import ${path.basename(request.folder)} into ${request.project.name}`,
      ({ signal, progress }) => importFolder(context, request, { signal, onProgress: progress }),
      { projectId: request.project.id, details },
    );
  }

  /** Creates a model from the project's graded images and trains it in a worker thread. */
  startTraining(project: Project, options: Partial<TrainOptions> = {}, name?: string): { modelId: number; job: RunningJob<TrainingOutcome> } {
    const modelId = prepareModel(this.store, this.engine.modelsDir, project, options, name);
    return { modelId, job: this.trainingJob(project, modelId, 'Train') };
  }

  /** Continues an interrupted or cancelled training run from its last checkpoint. */
  resumeTraining(modelId: number): RunningJob<TrainingOutcome> {
    const model = this.store.models.get(modelId);
    if (model.status !== 'interrupted' && model.status !== 'cancelled' && model.status !== 'failed') {
      throw new GradedeskError('invalid', `Model ${modelId} is ${model.status}; only an interrupted, cancelled or failed run can be resumed.`);
    }
    return this.trainingJob(this.store.projects.get(model.projectId), modelId, 'Resume training');
  }

  private trainingJob(project: Project, modelId: number, verb: string): RunningJob<TrainingOutcome> {
    this.store.models.trainingHere.add(modelId);
    this.store.models.markRunning(modelId);
    const job = this.jobs.start(
      'training',
      `${verb} model ${modelId} on ${project.name}`,
      (context) => runEngineTask(this.dataDir, { kind: 'training', modelId }, context),
      { projectId: project.id, details: { modelId: String(modelId) } },
    );
    job.done.then(
      () => this.store.models.trainingHere.delete(modelId),
      () => this.store.models.trainingHere.delete(modelId),
    );
    return job;
  }

  /** Predicts a project's images (all, or the given ones) with a model, the active one by default. */
  startPrediction(project: Project, modelId?: number, imageIds?: number[]): RunningJob<PredictionOutcome> {
    const model = projectModel(this.store, project, modelId).id;
    return this.jobs.start(
      'prediction',
      `Predict ${imageIds ? `${imageIds.length} images` : 'all images'} of ${project.name} with model ${model}`,
      (context) => runEngineTask(this.dataDir, { kind: 'prediction', modelId: model, ...(imageIds ? { imageIds } : {}) }, context),
      { projectId: project.id, details: { modelId: String(model) } },
    );
  }

  startLearningRateFinder(project: Project, options: Partial<TrainOptions> = {}): RunningJob<LearningRateFinding> {
    return this.jobs.start(
      'lr-finder',
      `Find a learning rate for ${project.name}`,
      (context) => runEngineTask(this.dataDir, { kind: 'lr-finder', projectId: project.id, options }, context),
      { projectId: project.id },
    );
  }

  /** Grad-CAM maps of a model (the active one by default) for images, as a job in a worker thread. */
  startGradCam(project: Project, imageIds: number[], targetClass: number | null = null, modelId?: number): RunningJob<RenderedGradCam[]> {
    const model = projectModel(this.store, project, modelId).id;
    return this.jobs.start(
      'gradcam',
      `Grad-CAM of ${imageIds.length} image${imageIds.length === 1 ? '' : 's'} in ${project.name}`,
      (context) => runEngineTask(this.dataDir, { kind: 'gradcam', modelId: model, imageIds, targetClass }, context),
      { projectId: project.id, details: { modelId: String(model) } },
    );
  }

  /** Trains an ArcFace embedding on a model (the active one by default) and embeds every image, as a job. */
  startEmbedding(project: Project, request: EmbedRequest = {}, modelId?: number): RunningJob<EmbedOutcome> {
    const model = projectModel(this.store, project, modelId).id;
    return this.jobs.start(
      'embedding',
      `Embeddings of ${project.name} with model ${model}`,
      (context) => runEngineTask(this.dataDir, { kind: 'embedding', modelId: model, request }, context),
      { projectId: project.id, details: { modelId: String(model) } },
    );
  }

  async close(): Promise<void> {
    // An import writes through this store with this pool: end it first (SIGTERM to serve, quitting the
    // app), so that it neither records files as broken because the pool went nor writes to a closed store.
    // Training and the other engine jobs run in their own worker and are left to resume after a restart.
    await this.jobs.cancelAll('import');
    await this.analysePool?.destroy();
    this.analysePool = null;
    await this.engine.pixels.close();
    this.store.close();
  }
}
