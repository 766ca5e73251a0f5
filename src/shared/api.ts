/**
 * The contract between the renderer and the main process: every call with its request schema and
 * response type, and every event. Main implements it once (src/main/api); the preload (desktop) and
 * the bridge (browser mode) carry it; the renderer calls it through one typed client.
 *
 * Requests come from an untrusted renderer, so each is validated against its schema at the boundary.
 */
import { z } from 'zod';
import {
  IMAGE_SORT_KEYS,
  TASK_KINDS,
  type CurrentLabel,
  type GridPage,
  type ImageEvent,
  type ImageFilter,
  type ImageFlags,
  type ImageQuery,
  type ImageRecord,
  type LabelEvent,
  type LabelValue,
  type Project,
  type ProjectStats,
  type Reader,
  type ViewPosition,
} from './domain';
import type { ErrorCode } from './errors';
import type { DicomExportResult } from './dicom-export';
import { SUBMISSION_FORMATS, SUBMISSION_SOURCES } from './exports';
import { BULK_GRADE_TOO_LARGE, MAX_BULK_GRADE } from './labels';
import type { ImportReport } from './import-report';
import type { JobInfo } from './jobs';
import {
  AUGMENTATIONS,
  FEATURE_CONFIGURATION_IDS,
  HEAD_KINDS,
  ONNX_DECODINGS,
  ONNX_PIXEL_SCALINGS,
  SCHEDULE_KINDS,
  TRAINING_STRATEGIES,
  type BackboneInfo,
  type BackendInfo,
  type OnnxRuntimeInfo,
  type TrainingRate,
  type Evaluation,
  type LearningRateFinding,
  type ModelComparison,
  type ModelDetail,
  type ModelSummary,
  type Prediction,
  type TrainOptions,
} from './ml';
import { TRIAGE_ORDERS, type TriagePage, type TriagePosition } from './triage';
import type { EmbeddingSummary, SimilarCasesAnswer } from './similar';
import type { AgreementSummary } from './agreement';
import type { EvaluationReportWritten } from './evaluation-report';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ROLES, type Person, type PersonActivity, type SignInLink } from './people';
import { schemaOf } from './schema-of';
import {
  ARBITRATION_POLICIES,
  MAX_GRADERS,
  PROTOCOL_KINDS,
  QUEUE_ORDERS,
  REFERRAL_RULES,
  type AdjudicationCase,
  type GradingProtocol,
  type ProtocolChange,
  type WorkQueue,
  type WorkQueueCounts,
  type WorkQueuePosition,
} from './protocols';

const id = z.number().int().positive();
const personName = z.string().trim().min(1).max(80);
/** A file or folder on this machine; the file system refuses a NUL in a path, so the call does here, in words. */
const fsPath = z.string().min(1).max(4096).refine((text) => !text.includes('\0'), 'a path cannot contain a NUL character');
const labelValue = schemaOf<LabelValue>()(z.union([z.number().int().min(0), z.array(z.number().int().min(0)).max(64)]));

/**
 * Who is looking, on calls that show an image's labels or the model's output: under a blind protocol the
 * server refuses them to a grader who has not graded the image (api/blindness.ts). On a team server the
 * signed-in person is the viewer whatever this says; in the desktop app it is the reader chosen there.
 */
const viewer = id.optional();

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is written YYYY-MM-DD');

const imageFilter = schemaOf<ImageFilter>()(
  z.object({
    label: z.number().int().min(0).optional(),
    unlabelled: z.boolean().optional(),
    ungradable: z.boolean().optional(),
    conflicts: z.boolean().optional(),
    duplicates: z.boolean().optional(),
    importErrors: z.boolean().optional(),
    groupId: z.string().max(200).optional(),
    predicted: z.number().int().min(0).optional(),
    referableAtLeast: z.number().min(0).max(1).optional(),
    equipment: z.string().min(1).max(200).optional(),
    studyFrom: isoDay.optional(),
    studyTo: isoDay.optional(),
  }).strict(),
);

/** An image query without its page: which images, in which order. */
const imageView = schemaOf<Omit<ImageQuery, 'offset' | 'limit'>>()(
  z
    .object({
      projectId: id,
      filter: imageFilter.optional(),
      sort: z.enum(IMAGE_SORT_KEYS).optional(),
      descending: z.boolean().optional(),
    })
    .strict(),
);

/** Every training option may be left out; the engine fills in the task's defaults. */
const trainOptions = schemaOf<Partial<TrainOptions>>()(
  z
    .object({
      backboneId: z.string().min(1).max(200),
      inputSize: z.number().int().min(32).max(1024),
      head: z.enum(HEAD_KINDS),
      strategy: z.enum(TRAINING_STRATEGIES),
      epochs: z.number().int().min(1).max(1000),
      batchSize: z.number().int().min(1).max(4096),
      learningRate: z.number().positive().max(10),
      schedule: z.enum(SCHEDULE_KINDS),
      classWeights: z.union([z.enum(['inverse-frequency', 'none']), z.array(z.number().min(0).max(1000)).min(2).max(64)]),
      balancedSampling: z.boolean(),
      augmentations: z.array(z.enum(AUGMENTATIONS)).max(AUGMENTATIONS.length),
      validation: z.union([
        z.object({ kind: z.literal('k-fold'), folds: z.number().int().min(2).max(20) }).strict(),
        z.object({ kind: z.literal('holdout'), fraction: z.number().min(0.05).max(0.5) }).strict(),
      ]),
      earlyStoppingPatience: z.number().int().min(1).max(1000).nullable(),
      focalGamma: z.number().min(0).max(10),
      unfreezeBlocks: z.number().int().min(0).max(17),
      backboneLearningRateFactor: z.number().positive().max(1),
      seed: z.number().int().min(0).max(2 ** 31 - 1),
      features: z.enum(FEATURE_CONFIGURATION_IDS),
    })
    .strict()
    .partial(),
);

/** A class index of the model, checked against its classes when the call runs. */
const gradCamClass = z.number().int().min(0).max(63);

/** A request schema and the response type it is answered with. */
interface Call<Request extends z.ZodType, Response> {
  request: Request;
  /** Type only: carries the response type (wrapped, so that a nullable response survives NonNullable). */
  response?: [Response];
}
const call = <Response>() => <Request extends z.ZodType>(request: Request): Call<Request, Response> => ({ request });

export interface AppInfo {
  mode: 'desktop' | 'browser';
  version: string;
  dataDir: string;
  /** Native file pickers exist only in the desktop app; browser mode asks for a typed path. */
  canPickFiles: boolean;
}

export interface ProjectSummary extends Project {
  stats: ProjectStats;
}

/** What Review shows about one image: its record (less the hashes and import time) and flags, its label and its fellow eye. */
export interface ImageDetail extends Omit<ImageRecord, 'sha256' | 'phash' | 'importedAt'>, ImageFlags {
  label: CurrentLabel | null;
  /** The same patient's other eye (another image of the group, the other eye first); null when there is none. */
  fellowEyeId: number | null;
}

/** What a write to one image answers: the event written, the image and its whole history as they now are. */
export interface ImageChange<E> {
  event: E;
  image: ImageDetail;
  history: ImageEvent[];
}

export interface JobSnapshot extends JobInfo {
  /** The import report, once an import job has ended. */
  report: ImportReport | null;
}

/** What Review needs to show a Grad-CAM: the map's model and class, and whether it is ready or a job is making it. */
export interface GradCamRender {
  /** The job making the map; null when it was cached. */
  job: JobSnapshot | null;
  modelId: number;
  targetClass: number;
  ready: boolean;
  /** Where the class came from: the request, the model's prediction, or class 0 for an image the model has not predicted. */
  classFrom: 'request' | 'prediction' | 'severest' | 'default';
}

export const api = {
  'app.info': call<AppInfo>()(z.object({}).strict()),

  'projects.list': call<ProjectSummary[]>()(z.object({}).strict()),
  'projects.get': call<ProjectSummary>()(z.object({ projectId: id }).strict()),
  'projects.create': call<Project>()(
    z
      .object({
        name: z.string().trim().min(1).max(120),
        task: z.enum(TASK_KINDS),
        classes: z.array(z.string().trim().min(1).max(80)).max(64).optional(),
      })
      .strict(),
  ),

  'readers.list': call<Reader[]>()(z.object({}).strict()),
  'readers.ensure': call<Reader>()(z.object({ name: personName }).strict()),

  /** People of the data directory with their roles (on a team server: admins only, like every people.* call). */
  'people.list': call<PersonActivity[]>()(z.object({}).strict()),
  /** Adds a person (or gives a reader who graded without one a role and password); without a password they sign in by link. */
  'people.add': call<Person>()(
    z
      .object({
        name: personName,
        role: z.enum(ROLES),
        password: z.string().min(MIN_PASSWORD_LENGTH, `a password has at least ${MIN_PASSWORD_LENGTH} characters`).max(MAX_PASSWORD_LENGTH).optional(),
      })
      .strict(),
  ),
  /** Gives a person another role (the last admin who may sign in stays one). */
  'people.setRole': call<Person>()(z.object({ name: personName, role: z.enum(ROLES) }).strict()),
  /** Disables a person and ends their sessions and links; their grades stay theirs. */
  'people.disable': call<Person>()(z.object({ name: personName }).strict()),
  /** Ends every session and link of a person (they may sign in again). */
  'people.revokeSessions': call<{ person: Person; ended: number }>()(z.object({ name: personName }).strict()),
  /** A personal one-time sign-in link, valid for `hours` (default 24). */
  'people.createLink': call<SignInLink>()(z.object({ name: personName, hours: z.number().int().min(1).max(168).optional() }).strict()),

  'images.page': call<GridPage>()(
    imageView.extend({ offset: z.number().int().min(0), limit: z.number().int().min(0).max(1000) }).strict(),
  ),
  'images.locate': call<ViewPosition>()(z.object({ view: imageView, imageId: id }).strict()),
  'images.get': call<ImageDetail>()(z.object({ imageId: id, readerId: viewer }).strict()),
  /** Sets or clears the ungradable flag as an audited event of the reader (event null: the flag had that value already). */
  'images.setUngradable': call<ImageChange<ImageEvent | null>>()(
    z.object({ imageId: id, ungradable: z.boolean(), readerId: id }).strict(),
  ),
  /** Writes or (null or blank) removes the image's note as an audited event of the reader (event null: unchanged). */
  'images.setNote': call<ImageChange<ImageEvent | null>>()(
    z.object({ imageId: id, note: z.string().max(4000).nullable(), readerId: id }).strict(),
  ),

  /** Grades one image; answers with the image and its history as they now are, so that Review needs no read after a grade. */
  'labels.record': call<ImageChange<LabelEvent>>()(
    z.object({ imageId: id, value: labelValue.nullable(), readerId: id, note: z.string().max(4000).optional() }).strict(),
  ),
  /** Bulk grading from the Library: one event per image (an image named twice is graded once), all in one transaction. */
  'labels.recordMany': call<LabelEvent[]>()(
    z.object({ imageIds: z.array(id).min(1).max(MAX_BULK_GRADE, BULK_GRADE_TOO_LARGE), value: labelValue, readerId: id }).strict(),
  ),
  /** What grading these images as `value` would do: how many it labels for the first time, leaves as they are, and replaces. */
  'labels.bulkEffect': call<{ unlabelled: number; same: number; replaced: number }>()(
    z.object({ imageIds: z.array(id).min(1).max(MAX_BULK_GRADE, BULK_GRADE_TOO_LARGE), value: z.number().int().min(0) }).strict(),
  ),
  /** How many images of the project this reader has graded since `since` (a grading session's counter; undos not counted). */
  'labels.gradedSince': call<{ graded: number }>()(z.object({ projectId: id, readerId: id, since: z.iso.datetime() }).strict()),
  /** Undoes a label, ungradable-flag or note event by writing one that restores the value it replaced. */
  'labels.undo': call<ImageEvent>()(z.object({ eventId: id, readerId: id }).strict()),
  /** Undoes a bulk grade in one transaction: every event, or none if one image was graded again since. */
  'labels.undoMany': call<ImageEvent[]>()(z.object({ eventIds: z.array(id).min(1).max(MAX_BULK_GRADE, BULK_GRADE_TOO_LARGE), readerId: id }).strict()),
  /** Every event of an image (labels, ungradable flags, notes), oldest first. */
  'labels.history': call<ImageEvent[]>()(z.object({ imageId: id, readerId: viewer }).strict()),
  /**
   * Agreement in a project (DR grade or single class): each pair of readers on the images both graded, each
   * reader and the active model against the current label, Fleiss' κ for three readers or more; κ with 95% intervals.
   */
  'agreement.summary': call<AgreementSummary>()(z.object({ projectId: id }).strict()),

  /** The project's grading protocol (`single` unless one was set). */
  'protocol.get': call<GradingProtocol>()(z.object({ projectId: id }).strict()),
  /**
   * Sets the project's grading protocol: `single`, `double-blind` or `double-adjudicated` with `graders` per image
   * (default 2), the referral rules (double-adjudicated), the arbitration policy and the order of work queues.
   * Images already graded are settled again under it, as `readerId` (an admin), in the same transaction.
   */
  'protocol.set': call<ProtocolChange>()(
    z
      .object({
        projectId: id,
        readerId: id,
        kind: z.enum(PROTOCOL_KINDS),
        graders: z.number().int().min(1).max(MAX_GRADERS).optional(),
        refer: z.array(z.enum(REFERRAL_RULES)).max(REFERRAL_RULES.length).optional(),
        policy: z.enum(ARBITRATION_POLICIES).optional(),
        queueOrder: z.enum(QUEUE_ORDERS).optional(),
      })
      .strict(),
  ),
  /** The images a reader still owes under the project's protocol, in the queue's order (the first `limit`, default 1000). */
  'queue.list': call<WorkQueue & { owed: number }>()(
    z.object({ projectId: id, readerId: id, limit: z.number().int().min(1).max(100_000).optional() }).strict(),
  ),
  /** The next image a reader owes (null when none), how many they owe and how many they have graded. */
  'queue.next': call<{ imageId: number | null } & WorkQueueCounts>()(z.object({ projectId: id, readerId: id }).strict()),
  /**
   * Where an image stands in a reader's work queue, with how many they owe and have graded: what Review's ←/→
   * follow in "Grade my queue". An image no longer owed answers index -1 with the owed images around its place.
   */
  'queue.locate': call<WorkQueuePosition>()(z.object({ projectId: id, readerId: id, imageId: id }).strict()),
  /** Referred images with each grader's grade, note and time, and the rule that referred them. */
  'adjudication.list': call<AdjudicationCase[]>()(z.object({ projectId: id, includeDecided: z.boolean().optional() }).strict()),
  /** An adjudicator's (or admin's) final label of a referred image, as an event of its own; labels.undo takes it back. */
  'adjudication.decide': call<ImageChange<LabelEvent>>()(z.object({ imageId: id, value: labelValue, readerId: id }).strict()),

  'imports.start': call<JobSnapshot>()(
    z.object({ projectId: id, folder: fsPath, labelsFile: fsPath.optional() }).strict(),
  ),
  'jobs.list': call<JobSnapshot[]>()(z.object({}).strict()),
  'jobs.cancel': call<JobSnapshot>()(z.object({ jobId: z.string().uuid() }).strict()),

  /** Which tfjs backend runs, what it can train, and the backbones to choose from. */
  'ml.capabilities': call<{ backend: BackendInfo; onnxRuntime: OnnxRuntimeInfo; backbones: BackboneInfo[]; rates: TrainingRate[] }>()(z.object({}).strict()),
  'training.start': call<{ job: JobSnapshot; modelId: number }>()(
    z.object({ projectId: id, options: trainOptions.optional(), name: z.string().trim().min(1).max(120).optional() }).strict(),
  ),
  /** Continues an interrupted or cancelled run from its last completed epoch. */
  'training.resume': call<{ job: JobSnapshot; modelId: number }>()(z.object({ modelId: id }).strict()),
  'training.findLearningRate': call<JobSnapshot>()(z.object({ projectId: id, options: trainOptions.optional() }).strict()),
  /** The learning-rate finder's curve, once its job has ended (null before). */
  'training.learningRateFinding': call<LearningRateFinding | null>()(z.object({ jobId: z.string().uuid() }).strict()),
  'models.list': call<ModelSummary[]>()(z.object({ projectId: id }).strict()),
  'models.get': call<ModelDetail>()(z.object({ modelId: id }).strict()),
  /** The model's out-of-fold evaluation, with the referable operating point at `threshold` (default 0.5). */
  'models.evaluate': call<Evaluation>()(z.object({ modelId: id, threshold: z.number().min(0).max(1).optional() }).strict()),
  /**
   * Two models on the images both held out, with the labels those images have now: each one's figures
   * with intervals, and their differences (a − b) with paired intervals. Each model's referable operating
   * point is its own `threshold` (default 0.5).
   */
  'models.compare': call<ModelComparison>()(
    z
      .object({ modelId: id, otherId: id, threshold: z.number().min(0).max(1).optional(), otherThreshold: z.number().min(0).max(1).optional() })
      .strict()
      .refine((request) => request.modelId !== request.otherId, { message: 'Choose two different models to compare.' }),
  ),
  /** Saves the referral threshold chosen on the ROC curve (null: back to 0.5); the Library and Triage use it. */
  'models.setReferralThreshold': call<ModelSummary>()(z.object({ modelId: id, threshold: z.number().min(0).max(1).nullable() }).strict()),
  'models.activate': call<ModelSummary>()(z.object({ modelId: id }).strict()),
  'models.delete': call<{ deleted: number }>()(z.object({ modelId: id }).strict()),
  /** A new model whose predictions are the mean of the chosen models' probabilities. */
  'models.ensemble': call<ModelSummary>()(
    z.object({ modelIds: z.array(id).min(2).max(20), name: z.string().trim().min(1).max(120).optional() }).strict(),
  ),
  'models.export': call<{ dir: string; files: string[] }>()(z.object({ modelId: id, dir: fsPath }).strict()),
  /** The model as one bundle file (an ensemble with its members); `withBackbone` carries a user-added backbone's weights. */
  'models.exportBundle': call<{ file: string; bytes: number; sha256: string; models: number; backbonesCarried: string[] }>()(
    z.object({ modelId: id, file: fsPath, withBackbone: z.boolean().optional() }).strict(),
  ),
  /** A model bundle as a finished model of the project, made active only if the project has none or it is better on the same images. */
  'models.importBundle': call<ModelDetail>()(z.object({ projectId: id, file: fsPath, name: z.string().trim().min(1).max(120).optional() }).strict()),
  /**
   * Imports a complete ONNX classifier as a model of the project: its classes (the project's, in the order of its
   * outputs), how pixels are scaled for it, and how its output is decoded. It predicts, triages, joins ensembles;
   * `featureOutput` gives it embeddings and `featureMaps` Grad-CAM.
   */
  'models.importOnnx': call<ModelDetail>()(
    z
      .object({
        projectId: id,
        file: fsPath,
        classes: z.array(z.string().trim().min(1).max(200)).min(2).max(100),
        preprocessing: z.enum(ONNX_PIXEL_SCALINGS),
        decoding: z.enum(ONNX_DECODINGS),
        cutPoints: z.array(z.number().finite()).min(1).max(99).optional(),
        output: z.string().min(1).max(200).optional(),
        featureOutput: z.string().min(1).max(200).optional(),
        featureMaps: z.string().min(1).max(200).optional(),
        inputSize: z.number().int().min(32).max(1024).optional(),
        name: z.string().trim().min(1).max(120).optional(),
      })
      .strict(),
  ),
  /** Predicts every image of the project (or the given ones) with a model (default: the active one). */
  'predictions.start': call<JobSnapshot>()(
    z.object({ projectId: id, modelId: id.optional(), imageIds: z.array(id).min(1).max(100_000).optional() }).strict(),
  ),
  /** The active model's prediction for an image, or null if it has none. */
  'predictions.forImage': call<{ model: ModelSummary; prediction: Prediction } | null>()(z.object({ imageId: id, readerId: viewer }).strict()),

  /**
   * The active model's Grad-CAM of an image for a class (default: the class it predicts). A cached map is
   * answered at once (`ready`, no job); otherwise a job makes it, and its maps are served as media by id.
   */
  'gradcam.render': call<GradCamRender>()(z.object({ imageId: id, targetClass: gradCamClass.optional(), readerId: viewer }).strict()),
  /** Grad-CAM maps of the active model for many images (a Library selection), as one job. */
  'gradcam.start': call<JobSnapshot>()(
    z.object({ projectId: id, imageIds: z.array(id).min(1).max(100_000), targetClass: gradCamClass.optional() }).strict(),
  ),

  /** A page of the active model's triage queue in one order, with how many of its images a reader has graded since. */
  'triage.queue': call<TriagePage>()(
    z
      .object({
        projectId: id,
        order: z.enum(TRIAGE_ORDERS),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(0).max(1000).optional(),
        includeReviewed: z.boolean().optional(),
      })
      .strict(),
  ),
  /** Where an image stands in a triage queue: what Review's ←/→ move through when it follows the queue. */
  'triage.locate': call<TriagePosition>()(
    z.object({ projectId: id, order: z.enum(TRIAGE_ORDERS), imageId: id, includeReviewed: z.boolean().optional() }).strict(),
  ),

  /** The nearest graded images of an image (other patients) in the active model's embedding, and their vote. */
  'similar.forImage': call<SimilarCasesAnswer>()(z.object({ imageId: id, k: z.number().int().min(1).max(100).optional(), readerId: viewer }).strict()),
  /**
   * Records the neighbours' suggested label as a `model-accepted` event by this reader. `label` is the
   * suggestion the reader saw and `minConfidence` their threshold: if the vote has changed since, or
   * falls below the threshold, nothing is recorded and the call says why.
   */
  'similar.accept': call<LabelEvent>()(
    z.object({ imageId: id, readerId: id, label: labelValue, minConfidence: z.number().min(0).max(1) }).strict(),
  ),
  /** The project's active model's ArcFace embedding and its held-out neighbour accuracy; null before `embeddings.start`. */
  'embeddings.summary': call<EmbeddingSummary | null>()(z.object({ modelId: id }).strict()),
  /** Trains an ArcFace embedding on the active model and embeds every image of the project, as a job. */
  'embeddings.start': call<JobSnapshot>()(
    z
      .object({
        projectId: id,
        /** Pull images of one label together (default), or the images of one group id (patient). */
        groupBy: z.enum(['label', 'group']).optional(),
        /** ArcFace's additive angular margin in radians (0.5) and logit scale (30). */
        margin: z.number().min(0).max(1.5).optional(),
        scale: z.number().min(1).max(128).optional(),
        embeddingDim: z.number().int().min(16).max(2048).optional(),
      })
      .strict(),
  ),

  /**
   * The current label of every image of the project, or (`history`) every label event, or (`perGrader`) the
   * current labels with each reader's own label in a column of its own, written to a CSV file.
   * Every export takes `deidentify`: patients, images and readers by keyed pseudonyms, times by their year, no free text.
   */
  'exports.labels': call<{ file: string; rows: number }>()(
    z
      .object({ projectId: id, file: fsPath, history: z.boolean().optional(), perGrader: z.boolean().optional(), deidentify: z.boolean().optional() })
      .strict()
      .refine((request) => !(request.history && request.perGrader), { message: 'Choose either the label history or the per-grader columns, not both.' }),
  ),
  /**
   * A model's prediction (default: the active model's) of every image of the project, written to a CSV file:
   * per-class probabilities, predicted label, out-of-fold flag and, for DR grading, expected grade and P(referable).
   */
  'exports.predictions': call<{ file: string; rows: number; modelId: number }>()(
    z.object({ projectId: id, file: fsPath, modelId: id.optional(), deidentify: z.boolean().optional() }).strict(),
  ),
  /**
   * A DR project's grades as a Kaggle submission file (APTOS `id_code,diagnosis` or EyePACS `image,level`):
   * the current labels of the graded images, or a model's predicted grades (`modelId` default: the active model).
   */
  'exports.submission': call<{ file: string; rows: number }>()(
    z
      .object({
        projectId: id,
        file: fsPath,
        format: z.enum(SUBMISSION_FORMATS),
        from: z.enum(SUBMISSION_SOURCES).optional(),
        modelId: id.optional(),
        deidentify: z.boolean().optional(),
      })
      .strict()
      .refine((request) => request.modelId === undefined || request.from === 'predictions', {
        message: 'A model is chosen only for a submission from predictions (from: "predictions").',
      }),
  ),
  /**
   * The project's images and current labels as COCO JSON: images with their size, the project's classes as
   * categories, and one image-level annotation (`category_id`, no `bbox`) per label.
   */
  'exports.coco': call<{ file: string; images: number; annotations: number }>()(
    z.object({ projectId: id, file: fsPath, deidentify: z.boolean().optional() }).strict(),
  ),

  /**
   * A model's evaluation report (default: the active model's) written as one self-contained HTML file: model card,
   * out-of-fold figures with 95% intervals, confusion/ROC/calibration, agreement, the largest errors with Grad-CAM.
   * `pdf`: also print it to this PDF file, in the desktop app only (Electron's printToPDF).
   */
  'exports.report': call<EvaluationReportWritten>()(
    z.object({ projectId: id, file: fsPath, modelId: id.optional(), pdf: fsPath.optional(), deidentify: z.boolean().optional() }).strict(),
  ),

  'backbones.list': call<BackboneInfo[]>()(z.object({}).strict()),
  /**
   * Registers a tfjs backbone from a model.json path, or from a URL (with the sha256 of its model.json), which is
   * downloaded now; or an ONNX backbone from a .onnx file (`format: 'onnx'`, `featureLayer`: the output that gives
   * its features), whose input size is read from the file.
   */
  'backbones.add': call<BackboneInfo>()(
    z
      .object({
        id: z.string().min(1).max(80),
        location: z.string().min(1).max(4096),
        format: z.enum(['layers', 'graph', 'onnx']),
        featureLayer: z.string().min(1).max(200),
        inputSizes: z.array(z.number().int().min(32).max(1024)).min(1).max(16).optional(),
        normalisation: z.enum(['unit', 'symmetric', 'imagenet']).optional(),
        sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a sha256 is 64 hexadecimal digits').optional(),
        size: z.number().int().positive().optional(),
        name: z.string().trim().min(1).max(120).optional(),
      })
      .strict(),
  ),

  /**
   * The project's images imported from DICOM, written into `folder` as de-identified DICOM files (PS3.15
   * basic profile: names, dates, accession number, institution removed; UIDs replaced; PatientID a keyed pseudonym).
   */
  'exports.dicom': call<DicomExportResult>()(z.object({ projectId: id, folder: fsPath }).strict()),

  /** Native pickers (desktop only); null when the user cancels. */
  'dialogs.pickFolder': call<string | null>()(z.object({ title: z.string().max(200).optional() }).strict()),
  'dialogs.pickLabelFile': call<string | null>()(z.object({}).strict()),
} as const;

export type Api = typeof api;
export type Method = keyof Api;
export type RequestOf<M extends Method> = z.input<Api[M]['request']>;
export type ResponseOf<M extends Method> = NonNullable<Api[M]['response']>[0];

/** Events main pushes to every renderer. */
export interface Events {
  'job.progress': JobSnapshot;
  'job.finished': JobSnapshot;
  /** Something in a project changed (by this window, another window, an import or the CLI). */
  'data.changed': {
    projectId: number | null;
    imageIds: number[] | null;
    what: 'labels' | 'images' | 'projects' | 'flags' | 'predictions';
    /** The audit events the change wrote, when it wrote some: how a window tells its own writes from everyone else's. */
    eventIds?: number[];
  };
  /** A command chosen from the desktop app's menu (browser mode has no menu; the same keys work in the page). */
  'menu.command': { command: MenuCommand };
}

export type MenuCommand = 'view.projects' | 'view.library' | 'view.review' | 'view.triage' | 'view.train' | 'view.evaluate' | 'view.agreement' | 'view.adjudication' | 'view.people' | 'edit.undo' | 'help.shortcuts' | 'project.import';
export type EventName = keyof Events;

export type ApiError = { code: ErrorCode | 'bad-request' | 'internal'; message: string };
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const isMethod = (name: unknown): name is Method => typeof name === 'string' && Object.hasOwn(api, name);

/**
 * Image kinds served by the media route (desktop protocol or bridge), always by image id. The model's
 * kinds also name a model in the query: `gradcam` (a heat map, `?model=<id>&class=<k>`) and
 * `model-input` (the picture the model saw, `?model=<id>`).
 */
export const MEDIA_KINDS = ['thumbnail', 'display', 'preprocessed', 'gradcam', 'gradcam-photo', 'gradcam-outline', 'model-input'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];
export const MODEL_MEDIA_KINDS = ['gradcam', 'gradcam-photo', 'gradcam-outline', 'model-input'] as const satisfies readonly MediaKind[];
export type ModelMediaKind = (typeof MODEL_MEDIA_KINDS)[number];
/** The query of a model's media URL. */
export interface ModelMediaQuery {
  model: number;
  /** The heat map's class (gradcam only). */
  class?: number;
}
