import path from 'node:path';
import { GradedeskError } from '../../shared/errors';
import type { LabelValue, TaskKind } from '../../shared/domain';
import { headlineFigures, type ActivationDecision, type EpochRecord, type Evaluation, type FineTuneFoldOutcome, type HeadlineMetrics, type ModelDetail, type ModelStatus, type ModelSummary, type TrainOptions } from '../../shared/ml';
import type { Db } from './database';
import { writeTransaction } from './write-transaction';

interface ModelRow {
  id: number;
  project_id: number;
  name: string;
  status: Exclude<ModelStatus, 'interrupted'>;
  active: number;
  backbone_id: string;
  input_size: number;
  head: string;
  strategy: string;
  preprocessing: string;
  task_kind: string;
  classes: string;
  options: string;
  thresholds: string | null;
  evaluation: string | null;
  dir: string;
  error: string | null;
  worker_pid: number | null;
  created_at: string;
  finished_at: string | null;
  referral_threshold: number | null;
  training_images: number;
  activation: string | null;
}

export interface NewModel {
  projectId: number;
  name: string;
  taskKind: TaskKind;
  classes: string[];
  options: TrainOptions;
  preprocessing: string;
  /** The model's files go in a folder named by its id inside this one. */
  modelsDir: string;
  /** An ensemble of these models (its options are the first member's). */
  members?: number[];
  /** A model imported whole (an ONNX classifier) rather than trained here. */
  imported?: boolean;
}

export interface TrainingImage {
  imageId: number;
  label: LabelValue;
  fold: number;
}

/** Models, their per-epoch history and the training-set snapshot each one was trained on. */
export class ModelStore {
  constructor(
    private readonly db: Db,
    /** Models this process is training now; a model another process trains is live while that process is. */
    readonly trainingHere: Set<number> = new Set(),
  ) {}

  create(model: NewModel): number {
    const { options } = model;
    return writeTransaction(this.db, () => {
      const result = this.db
        .prepare(
          `INSERT INTO models (project_id, name, status, backbone_id, input_size, head, strategy, preprocessing, task_kind, classes, options, dir, worker_pid, created_at)
           VALUES (?, ?, 'training', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(model.projectId, model.name, options.backboneId, options.inputSize, options.head, model.imported ? 'imported' : model.members ? 'ensemble' : options.strategy, model.preprocessing,
          model.taskKind, JSON.stringify(model.classes), JSON.stringify(model.members ? { ...options, members: model.members } : options), '', process.pid,
          new Date().toISOString());
      const id = Number(result.lastInsertRowid);
      this.db.prepare('UPDATE models SET dir = ? WHERE id = ?').run(path.join(model.modelsDir, String(id)), id);
      return id;
    });
  }

  list(projectId: number): ModelSummary[] {
    return (this.db.prepare(`${SELECT} WHERE m.project_id = ? ORDER BY m.id DESC`).all(projectId) as ModelRow[]).map((row) => this.summary(row));
  }

  get(modelId: number): ModelDetail {
    const row = this.row(modelId);
    const epochs = (this.db
      .prepare('SELECT fold, epoch, train_loss, validation_loss, validation_metric, learning_rate, seconds FROM model_epochs WHERE model_id = ? ORDER BY fold, epoch')
      .all(modelId) as Array<Record<string, number | null>>).map((e): EpochRecord => ({
      fold: e.fold!,
      epoch: e.epoch!,
      trainLoss: e.train_loss!,
      validationLoss: e.validation_loss ?? null,
      validationMetric: e.validation_metric ?? null,
      learningRate: e.learning_rate!,
      seconds: e.seconds!,
    }));
    return {
      ...this.summary(row),
      taskKind: row.task_kind as TaskKind,
      classes: JSON.parse(row.classes) as string[],
      options: JSON.parse(row.options) as TrainOptions,
      preprocessing: row.preprocessing,
      thresholds: row.thresholds ? (JSON.parse(row.thresholds) as number[]) : null,
      epochs,
      fineTuneFolds: this.fineTuneFolds(modelId),
      evaluation: row.evaluation ? (JSON.parse(row.evaluation) as Evaluation) : null,
    };
  }

  private fineTuneFolds(modelId: number): FineTuneFoldOutcome[] {
    const rows = this.db
      .prepare('SELECT fold, warm_head_metric, fine_tuned_metric, kept_warm_head FROM model_fine_tune_folds WHERE model_id = ? ORDER BY fold')
      .all(modelId) as Array<{ fold: number; warm_head_metric: number | null; fine_tuned_metric: number | null; kept_warm_head: number }>;
    return rows.map((row) => ({ fold: row.fold, warmHeadMetric: row.warm_head_metric, fineTunedMetric: row.fine_tuned_metric, keptWarmHead: row.kept_warm_head === 1 }));
  }

  /** How a fine-tuned fold ended against its warm head; a fold run again after a resume replaces its row. */
  recordFineTuneFold(modelId: number, outcome: FineTuneFoldOutcome): void {
    const finite = (value: number | null) => (value !== null && Number.isFinite(value) ? value : null);
    this.db
      .prepare('INSERT OR REPLACE INTO model_fine_tune_folds (model_id, fold, warm_head_metric, fine_tuned_metric, kept_warm_head) VALUES (?, ?, ?, ?, ?)')
      .run(modelId, outcome.fold, finite(outcome.warmHeadMetric), finite(outcome.fineTunedMetric), outcome.keptWarmHead ? 1 : 0);
  }

  dir(modelId: number): string {
    return this.row(modelId).dir;
  }

  active(projectId: number): ModelSummary | null {
    const row = this.db.prepare(`${SELECT} WHERE m.project_id = ? AND m.active = 1`).get(projectId) as ModelRow | undefined;
    return row ? this.summary(row) : null;
  }

  activate(modelId: number): ModelSummary {
    const row = this.row(modelId);
    if (row.status !== 'ready') throw new GradedeskError('invalid', `Model ${modelId} is ${this.status(row)}; only a finished model can be made active.`);
    writeTransaction(this.db, () => {
      this.db.prepare('UPDATE models SET active = 0 WHERE project_id = ? AND active = 1').run(row.project_id);
      this.db.prepare('UPDATE models SET active = 1 WHERE id = ?').run(modelId);
    });
    return this.summary(this.row(modelId));
  }

  /** Saves the P(referable) at and above which the model refers an eye; null goes back to 0.5. */
  setReferralThreshold(modelId: number, threshold: number | null): ModelSummary {
    const row = this.row(modelId);
    if (row.task_kind !== 'dr-grade' || row.head === 'regression') {
      throw new GradedeskError('invalid', `Model ${modelId} gives no probability of referable DR, so it has no referral threshold.`);
    }
    writeTransaction(this.db, () => this.db.prepare('UPDATE models SET referral_threshold = ? WHERE id = ?').run(threshold, modelId));
    return this.summary(this.row(modelId));
  }

  /** Keeps what a finished run decided about the active model (and makes it active when it decided so), in one transaction. */
  recordActivation(modelId: number, decision: ActivationDecision): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE models SET activation = ? WHERE id = ?').run(JSON.stringify(decision), modelId);
      if (decision.activated) this.activate(modelId);
    })();
  }

  delete(modelId: number): void {
    const row = this.row(modelId);
    if (this.status(row) === 'training') throw new GradedeskError('conflict', `Model ${modelId} is being trained; cancel the training first.`);
    this.db.prepare('DELETE FROM models WHERE id = ?').run(modelId);
  }

  recordEpoch(modelId: number, record: EpochRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO model_epochs (model_id, fold, epoch, train_loss, validation_loss, validation_metric, learning_rate, seconds)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(modelId, record.fold, record.epoch, record.trainLoss, record.validationLoss, record.validationMetric, record.learningRate, record.seconds);
  }

  /** Epoch rows past a checkpoint are stale after a resume: the run redoes them. */
  dropEpochsAfter(modelId: number, fold: number, epoch: number): void {
    this.db.prepare('DELETE FROM model_epochs WHERE model_id = ? AND ((fold = ? AND epoch > ?) OR fold > ?)').run(modelId, fold, epoch, fold);
  }

  saveTrainingImages(modelId: number, images: readonly TrainingImage[]): void {
    const insert = this.db.prepare('INSERT INTO model_training_images (model_id, image_id, label_value, fold) VALUES (?, ?, ?, ?)');
    writeTransaction(this.db, () => images.forEach((i) => insert.run(modelId, i.imageId, JSON.stringify(i.label), i.fold)));
  }

  trainingImages(modelId: number): TrainingImage[] {
    return (this.db.prepare('SELECT image_id, label_value, fold FROM model_training_images WHERE model_id = ? ORDER BY image_id').all(modelId) as Array<{
      image_id: number;
      label_value: string;
      fold: number;
    }>).map((r) => ({ imageId: r.image_id, label: JSON.parse(r.label_value) as LabelValue, fold: r.fold }));
  }

  markRunning(modelId: number): void {
    this.db.prepare("UPDATE models SET status = 'training', worker_pid = ?, error = NULL, finished_at = NULL WHERE id = ?").run(process.pid, modelId);
  }

  finish(modelId: number, result: { status: 'ready' | 'failed' | 'cancelled'; error?: string; thresholds?: number[] | null; evaluation?: Evaluation | null }): void {
    this.db
      .prepare('UPDATE models SET status = ?, error = ?, thresholds = coalesce(?, thresholds), evaluation = coalesce(?, evaluation), worker_pid = NULL, finished_at = ? WHERE id = ?')
      .run(result.status, result.error ?? null, result.thresholds ? JSON.stringify(result.thresholds) : null,
        result.evaluation ? JSON.stringify(result.evaluation) : null, new Date().toISOString(), modelId);
  }

  private row(modelId: number): ModelRow {
    const row = this.db.prepare(`${SELECT} WHERE m.id = ?`).get(modelId) as ModelRow | undefined;
    if (!row) throw new GradedeskError('not-found', `There is no model ${modelId}.`);
    return row;
  }

  private status(row: ModelRow): ModelStatus {
    if (row.status !== 'training') return row.status;
    const live = row.worker_pid === process.pid ? this.trainingHere.has(row.id) : row.worker_pid !== null && processAlive(row.worker_pid);
    return live ? 'training' : 'interrupted';
  }

  private summary(row: ModelRow): ModelSummary {
    const evaluation = row.evaluation ? (JSON.parse(row.evaluation) as Evaluation) : null;
    return {
      id: row.id,
      projectId: row.project_id,
      name: row.name,
      status: this.status(row),
      active: row.active === 1,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      backboneId: row.backbone_id,
      inputSize: row.input_size,
      head: row.head as ModelSummary['head'],
      strategy: row.strategy as ModelSummary['strategy'],
      members: (JSON.parse(row.options) as { members?: number[] }).members ?? null,
      trainingImages: row.training_images,
      metrics: evaluation ? headline(evaluation) : null,
      referralThreshold: row.referral_threshold,
      error: row.error,
      activation: row.activation ? (JSON.parse(row.activation) as ActivationDecision) : null,
    };
  }
}

const SELECT = `SELECT m.*, (SELECT count(*) FROM model_training_images t WHERE t.model_id = m.id) AS training_images FROM models m`;

export function headline(evaluation: Evaluation): HeadlineMetrics {
  const { qwk, accuracy, balancedAccuracy, referableAuc, macroF1, ece } = headlineFigures(evaluation);
  return { samples: evaluation.samples, qwk, accuracy, balancedAccuracy, referableAuc, macroF1, ece };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
