// The training engine's vocabulary, shared by the engine, the CLI and the Train/Evaluate views.
import type { LabelValue, TaskKind } from './domain';

/**
 * tfjs backends, fastest first: the native TensorFlow with CUDA, WebGPU (Dawn: Vulkan, D3D12 or Metal,
 * whatever the GPU's vendor), native TensorFlow on the processor, WebAssembly, plain JavaScript.
 */
export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_LADDER: readonly BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * How a model is trained. `head` trains a small network on cached backbone features (every backend);
 * `fine-tune` also unfreezes the backbone's top blocks, which needs convolution gradients that only
 * the GPU and native backends compute at a useful speed.
 */
export const TRAINING_STRATEGIES = ['head', 'fine-tune'] as const;
export type TrainingStrategy = (typeof TRAINING_STRATEGIES)[number];

/** A training rate measured by the last finished run of a strategy at an input size on this computer. */
export interface TrainingRate {
  strategy: TrainingStrategy;
  inputSize: number;
  /** Seconds of training steps per image per epoch (extraction and shader warm-up not counted). */
  secondsPerImageEpoch: number;
  modelId: number;
  modelName: string;
}

/** The WebGPU adapter (the GPU and its driver) as Dawn reports it. */
export interface GpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Bytes: the largest buffer, and the largest one a shader may bind (what caps a batch). */
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
}

/** One rung of the backend ladder as this computer climbed it. */
export interface BackendRung {
  backend: BackendName;
  package: string;
  outcome: 'running' | 'unavailable' | 'not tried';
  /** Why it is unavailable (or not tried), in one sentence; null when it runs. */
  reason: string | null;
  /** What it affords, in a few words. */
  affords: string;
}

export interface BackendInfo {
  backend: BackendName;
  /** The npm package that provides it. */
  package: string;
  /** wasm only: whether the SIMD build runs; null for other backends. */
  simd: boolean | null;
  /** Threads the backend computes with. */
  threads: number;
  strategies: TrainingStrategy[];
  /** Why faster backends are not in use, in plain words. */
  notes: string[];
  /** The WebGPU adapter when one was found (also when another backend runs); null when none. */
  adapter: GpuAdapter | null;
  /** Why there is no WebGPU adapter; null when there is one. */
  adapterReason: string | null;
  ladder: BackendRung[];
}

/** One ONNX Runtime execution provider as this computer tried it. */
export interface OnnxProviderState {
  /** onnxruntime-node's name: cuda, dml (DirectML), coreml, cpu. */
  name: string;
  outcome: 'running' | 'unavailable' | 'not tried';
  /** Why it is unavailable or not tried; null when it runs. */
  reason: string | null;
}

/** ONNX Runtime, which runs frozen extraction where a backbone has an ONNX form, and imported ONNX models. */
export interface OnnxRuntimeInfo {
  /** The onnxruntime-node version; null when it cannot load here. */
  version: string | null;
  /** The execution provider sessions run on; null when none starts. */
  provider: string | null;
  /** Every provider Gradedesk knows, fastest first, with what became of it here. */
  providers: OnnxProviderState[];
  /** The provider GRADEDESK_ONNX_PROVIDER forces; null when Gradedesk chooses. */
  forced: string | null;
  /** Intra-op threads per session. */
  threads: number | null;
  /** Why ONNX Runtime cannot load or no provider starts; null when a session starts. */
  reason: string | null;
}

/** How a backbone wants its input pixels: [0,1], [-1,1], or ImageNet mean/std. */
export type Normalisation = 'unit' | 'symmetric' | 'imagenet';

/** How an imported ONNX model's input values are made from model-ready pixels (0..255): a normalisation, or the bytes as they are. */
export const ONNX_PIXEL_SCALINGS = ['unit', 'symmetric', 'imagenet', 'raw'] as const;
export type OnnxPixelScaling = (typeof ONNX_PIXEL_SCALINGS)[number];

/** How an imported classifier's output is read: class scores (softmax), K − 1 cumulative ones (ordinal), or one grade (regression). */
export const ONNX_DECODINGS = ['softmax', 'ordinal', 'regression'] as const;
export type OnnxDecoding = (typeof ONNX_DECODINGS)[number];

export interface BackboneInfo {
  id: string;
  name: string;
  /** tfjs layers or graph model, or an ONNX file run by ONNX Runtime (frozen features only). */
  format: 'layers' | 'graph' | 'onnx';
  source: 'bundled' | 'file' | 'url';
  /** Where it is read from: a model.json or .onnx path, or a URL. */
  location: string;
  /** The layer (layers model), node (graph model) or output (ONNX) whose output gives the features. */
  featureLayer: string;
  inputSizes: number[];
  defaultInputSize: number;
  normalisation: Normalisation;
  /** What the user should know about where its weights come from. */
  note: string | null;
}

export const HEAD_KINDS = ['ordinal', 'softmax', 'regression', 'multilabel'] as const;
export type HeadKind = (typeof HEAD_KINDS)[number];
export const SCHEDULE_KINDS = ['one-cycle', 'step', 'constant'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
/** Copies of each image whose features are computed once and used as training augmentation. */
export const AUGMENTATIONS = ['flip-h', 'flip-v', 'rot-90', 'rot-180', 'rot-270'] as const;
export type Augmentation = (typeof AUGMENTATIONS)[number];

export type ValidationPlan = { kind: 'k-fold'; folds: number } | { kind: 'holdout'; fraction: number };

export interface TrainOptions {
  backboneId: string;
  inputSize: number;
  head: HeadKind;
  strategy: TrainingStrategy;
  epochs: number;
  batchSize: number;
  /** The peak learning rate (one-cycle) or the starting one (step, constant). */
  learningRate: number;
  schedule: ScheduleKind;
  /** Per-class loss weights: inverse class frequency, none, or given by the user (one per class). */
  classWeights: 'inverse-frequency' | 'none' | number[];
  /** Draw each batch with classes equally likely, instead of in proportion. */
  balancedSampling: boolean;
  augmentations: Augmentation[];
  validation: ValidationPlan;
  /** Stop a fold after this many epochs without a better validation metric; null trains every epoch. */
  earlyStoppingPatience: number | null;
  /** Focal loss gamma for multilabel heads (0 is plain binary cross-entropy). */
  focalGamma: number;
  /** Fine-tuning only: how many of the backbone's top blocks are unfrozen, one more every few epochs. */
  unfreezeBlocks: number;
  /** Fine-tuning only: the backbone's learning rate as a fraction of the head's. */
  backboneLearningRateFactor: number;
  seed: number;
  /**
   * Head strategy: what the frozen features are made of (FEATURE_CONFIGURATIONS). Absent: one view at
   * `inputSize` ('single', as every model before multi-scale features was trained).
   */
  features?: FeatureConfigurationId;
}

/**
 * Frozen features of a photograph. 'single': the backbone on the whole image at the run's input size.
 * The fundus configurations run the backbone on the whole fundus at `globalSize` and, with tiles, on a
 * grid × grid of overlapping 224-px tiles cut from the fundus at `canvas` px (near a clinic photograph's
 * own resolution, where microaneurysms are still a few pixels wide); the tiles' features are pooled by
 * mean and by max and joined to the whole-fundus vector. `channel` 'green' gives the backbone the green
 * channel (where haemorrhages and microaneurysms contrast most) in all three inputs.
 */
export interface FeatureConfiguration {
  id: string;
  globalSize: number | null;
  tiles: { grid: number; canvas: number } | null;
  channel: 'rgb' | 'green';
}

export const FEATURE_CONFIGURATIONS = [
  { id: 'single', globalSize: null, tiles: null, channel: 'rgb' },
  { id: 'single-green', globalSize: null, tiles: null, channel: 'green' },
  { id: 'fundus-448', globalSize: 448, tiles: null, channel: 'rgb' },
  { id: 'fundus-448-green', globalSize: 448, tiles: null, channel: 'green' },
  { id: 'fundus-448-tiles-3x3-640', globalSize: 448, tiles: { grid: 3, canvas: 640 }, channel: 'rgb' },
  { id: 'fundus-448-tiles-5x5-896', globalSize: 448, tiles: { grid: 5, canvas: 896 }, channel: 'rgb' },
  { id: 'fundus-448-tiles-3x3-640-green', globalSize: 448, tiles: { grid: 3, canvas: 640 }, channel: 'green' },
] as const satisfies readonly FeatureConfiguration[];
export type FeatureConfigurationId = (typeof FEATURE_CONFIGURATIONS)[number]['id'];
export const FEATURE_CONFIGURATION_IDS = FEATURE_CONFIGURATIONS.map((c) => c.id) as [FeatureConfigurationId, ...FeatureConfigurationId[]];
/** The side of each tile: the bundled backbones' native input. */
export const TILE_SIZE = 224;

export function featureConfiguration(id: FeatureConfigurationId | undefined): (typeof FEATURE_CONFIGURATIONS)[number] {
  return FEATURE_CONFIGURATIONS.find((c) => c.id === (id ?? 'single')) ?? FEATURE_CONFIGURATIONS[0];
}

/**
 * The features a new head-strategy model of this task is trained on. DR: the whole fundus at 448 px in
 * its green channel, the one configuration `npm run bench -- resolution` measured better than one RGB
 * view at 224 px with intervals clear of zero (256-px EyePACS set; positive but within chance on the
 * 1024-px one), within the time budget; tiles measured no clear gain for 4–6× the time.
 */
export function defaultFeatureConfiguration(kind: TaskKind): FeatureConfigurationId {
  return kind === 'dr-grade' ? 'fundus-448-green' : 'single';
}

export const INPUT_SIZES = [96, 128, 160, 192, 224, 256, 299, 384, 448] as const;

export function defaultHeadFor(kind: TaskKind): HeadKind {
  return kind === 'dr-grade' ? 'ordinal' : kind === 'multiclass' ? 'softmax' : 'multilabel';
}

export function headsFor(kind: TaskKind): HeadKind[] {
  if (kind === 'dr-grade') return ['ordinal', 'softmax', 'regression'];
  return kind === 'multiclass' ? ['softmax'] : ['multilabel'];
}

export function defaultTrainOptions(kind: TaskKind): TrainOptions {
  return {
    backboneId: 'mobilenet-v2-nsfwjs',
    inputSize: 224,
    head: defaultHeadFor(kind),
    strategy: 'head',
    epochs: 30,
    batchSize: 32,
    learningRate: 0.003,
    schedule: 'one-cycle',
    classWeights: 'inverse-frequency',
    balancedSampling: false,
    augmentations: ['flip-h'],
    validation: { kind: 'k-fold', folds: 5 },
    earlyStoppingPatience: 8,
    focalGamma: 2,
    unfreezeBlocks: 2,
    backboneLearningRateFactor: 0.1,
    seed: 1,
  };
}

/** The validation metric that early stopping and the per-epoch table follow. */
export function validationMetricName(kind: TaskKind): 'qwk' | 'balanced-accuracy' | 'macro-f1' {
  return kind === 'dr-grade' ? 'qwk' : kind === 'multiclass' ? 'balanced-accuracy' : 'macro-f1';
}

export type ModelStatus = 'training' | 'ready' | 'failed' | 'cancelled' | 'interrupted';

/** One epoch of one fold, as the live curves and the per-epoch table show it. */
export interface EpochRecord {
  fold: number;
  epoch: number;
  trainLoss: number;
  validationLoss: number | null;
  validationMetric: number | null;
  learningRate: number;
  seconds: number;
}

export interface HeadlineMetrics {
  samples: number;
  qwk: number | null;
  accuracy: number | null;
  balancedAccuracy: number | null;
  referableAuc: number | null;
  macroF1: number | null;
  ece: number | null;
}

export interface ModelSummary {
  id: number;
  projectId: number;
  name: string;
  status: ModelStatus;
  active: boolean;
  createdAt: string;
  finishedAt: string | null;
  backboneId: string;
  inputSize: number;
  head: HeadKind;
  /** An ensemble averages the probabilities of its member models; an imported model is an ONNX classifier trained elsewhere. */
  strategy: TrainingStrategy | 'ensemble' | 'imported';
  /** The member models of an ensemble; null for a trained model. */
  members: number[] | null;
  /** Labelled images in the training-set snapshot. */
  trainingImages: number;
  metrics: HeadlineMetrics | null;
  /** The P(referable) at and above which the model refers an eye, saved from Evaluate; null: the default 0.5. */
  referralThreshold: number | null;
  error: string | null;
  /** Whether the run that finished this model made it active, and why; null before it finished (or for older models). */
  activation: ActivationDecision | null;
}

/** The headline metric of a task, as models are compared on it: QWK for DR grades. */
export type HeadlineMetricName = ReturnType<typeof validationMetricName>;

/** Two models measured on the same labelled images, each with its out-of-fold prediction, against today's labels. */
/** The new model against the active one on the images both held out, with today's labels, by the task's headline metric. */
export interface ActivationComparison {
  metric: HeadlineMetricName;
  /** Labelled images both models have an out-of-fold prediction for. */
  images: number;
  /** The new model's figure on those images, and the active model's. */
  candidate: number | null;
  incumbent: number | null;
  incumbentId: number;
  incumbentName: string;
}

/** What a finished run did about the active model. */
export interface ActivationDecision {
  activated: boolean;
  /** One sentence for the Train view, the CLI and the job's end. */
  reason: string;
  /** Null when there was no active model to compare with. */
  comparison: ActivationComparison | null;
}

/** The referral threshold a model works at when none was saved. */
export const DEFAULT_REFERRAL_THRESHOLD = 0.5;

export interface RocPoint {
  threshold: number;
  sensitivity: number;
  specificity: number;
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  meanConfidence: number | null;
  accuracy: number | null;
}

export interface ClassRates {
  name: string;
  support: number;
  sensitivity: number | null;
  specificity: number | null;
  precision: number | null;
  /** Multilabel only. */
  f1?: number | null;
  threshold?: number;
}

/**
 * How good a model is, measured only on images it did not train on: out-of-fold predictions
 * (k-fold) or the held-out patients (hold-out). Folds are grouped by patient or lesion.
 */
export interface Evaluation {
  basis: 'out-of-fold' | 'holdout';
  samples: number;
  groups: number;
  classes: string[];
  /** Rows are the reader's label, columns the model's (single-label tasks). */
  confusion: number[][] | null;
  perClass: ClassRates[];
  qwk: number | null;
  accuracy: number | null;
  balancedAccuracy: number | null;
  macroF1: number | null;
  /** Referable DR (grade ≥ 2) from P(grade ≥ 2) or, for regression, the predicted value. */
  referable: {
    auc: number | null;
    curve: RocPoint[];
    threshold: number;
    sensitivity: number | null;
    specificity: number | null;
    positives: number;
    negatives: number;
  } | null;
  calibration: { ece: number; bins: CalibrationBin[] } | null;
  /**
   * 95% intervals of the headline figures, from resampling patients (groups) with replacement; absent in
   * evaluations stored before intervals were computed, null for a figure that is undefined too often.
   */
  intervals?: HeadlineIntervals;
}

/** The figures Evaluate leads with; `sensitivity` and `specificity` are referable DR's at the operating point. */
export const HEADLINE_METRICS = ['qwk', 'accuracy', 'balancedAccuracy', 'macroF1', 'referableAuc', 'sensitivity', 'specificity', 'ece'] as const;
export type HeadlineMetric = (typeof HEADLINE_METRICS)[number];

export interface Interval {
  low: number;
  high: number;
}

/** The figures Evaluate leads with, by name, read off an evaluation. */
export function headlineFigures(evaluation: Evaluation): Record<HeadlineMetric, number | null> {
  return {
    qwk: evaluation.qwk,
    accuracy: evaluation.accuracy,
    balancedAccuracy: evaluation.balancedAccuracy,
    macroF1: evaluation.macroF1,
    referableAuc: evaluation.referable?.auc ?? null,
    sensitivity: evaluation.referable?.sensitivity ?? null,
    specificity: evaluation.referable?.specificity ?? null,
    ece: evaluation.calibration?.ece ?? null,
  };
}

export type HeadlineIntervals = Partial<Record<HeadlineMetric, Interval | null>>;

/** One headline figure of two models measured on the same images with the same labels. */
export interface ComparedMetric {
  metric: HeadlineMetric;
  a: number | null;
  b: number | null;
  /** a − b, with its 95% interval from resampling the same patients for both. */
  difference: number | null;
  interval: Interval | null;
}

/** Two models compared on the images both held out, with the labels those images have now. */
export interface ModelComparison {
  a: Evaluation;
  b: Evaluation;
  metrics: ComparedMetric[];
  /** Images both models held out (the comparison's n) and their patients. */
  images: number;
  groups: number;
  /** Held-out images of one model only, left out of the comparison. */
  onlyA: number;
  onlyB: number;
  /** Images whose label changed since a model was trained: each model's own evaluation used the old one. */
  relabelledSinceA: number;
  relabelledSinceB: number;
}

/**
 * How one fold of a fine-tuned model ended on its validation images: the validation metric of its warm head
 * (the head trained alone on the pretrained features first) and of the fine-tuned network, and which the fold kept.
 */
export interface FineTuneFoldOutcome {
  fold: number;
  warmHeadMetric: number | null;
  /** Null without a metric, or when the network diverged. */
  fineTunedMetric: number | null;
  keptWarmHead: boolean;
}

export interface ModelDetail extends ModelSummary {
  taskKind: TaskKind;
  classes: string[];
  options: TrainOptions;
  preprocessing: string;
  /** Regression cut points or multilabel per-label thresholds, tuned on training folds. */
  thresholds: number[] | null;
  epochs: EpochRecord[];
  /** Fine-tuned models only, one per finished fold; empty for a head on frozen features. */
  fineTuneFolds: FineTuneFoldOutcome[];
  evaluation: Evaluation | null;
}

/** One model's prediction for one image. */
export interface Prediction {
  modelId: number;
  imageId: number;
  /** Class probabilities (single-label), label probabilities (multilabel), null for regression. */
  probabilities: number[] | null;
  predicted: LabelValue;
  /** Probability-weighted grade (ordinal, softmax) or the regressed value. */
  expected: number | null;
  /** P(grade ≥ 2); the regressed value scaled to [0,1] is not a probability, so regression has null. */
  referable: number | null;
  /** Normalised entropy in [0,1] and top-1 minus top-2 probability. */
  entropy: number | null;
  margin: number | null;
  /** True when the image was in the training snapshot and this came from the fold that held it out. */
  outOfFold: boolean;
  /** The image (with its label then) was in the model's training snapshot. */
  inTrainingSet: boolean;
}

/** The prediction came from a model that did not train on the image: its fold's, or one trained before it was labelled. */
export const heldOut = (prediction: Pick<Prediction, 'outOfFold' | 'inTrainingSet'>): boolean => prediction.outOfFold || !prediction.inTrainingSet;

export interface LearningRatePoint {
  learningRate: number;
  loss: number;
}

export interface LearningRateFinding {
  points: LearningRatePoint[];
  /** A rate a little below the steepest fall of the smoothed loss, or null if the loss never fell. */
  suggested: number | null;
}

/** What a training job reports beside the generic progress. */
export interface TrainingProgress {
  modelId: number;
  fold: number;
  folds: number;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number | null;
  learningRate: number | null;
}
