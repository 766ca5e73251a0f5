/**
 * The Train form and TrainOptions, both ways. The form keeps number fields as typed text so that a wrong
 * value can be named in a sentence, next to its field, before anything is sent to main; the limits are the
 * ones main's request schema enforces.
 */
import type { TaskSpec } from '../../../../shared/domain';
import { formatDuration } from '../format';
import {
  AUGMENTATIONS,
  defaultTrainOptions,
  headsFor,
  INPUT_SIZES,
  type Augmentation,
  type BackboneInfo,
  type BackendInfo,
  type HeadKind,
  type ScheduleKind,
  type TrainingRate,
  type TrainingStrategy,
  type TrainOptions,
} from '../../../../shared/ml';

export type ClassWeightMode = 'inverse-frequency' | 'none' | 'custom';

export interface TrainForm {
  backboneId: string;
  inputSize: number;
  head: HeadKind;
  strategy: TrainingStrategy;
  epochs: string;
  batchSize: string;
  learningRate: string;
  schedule: ScheduleKind;
  classWeightMode: ClassWeightMode;
  /** One per class of the project, in class order. */
  customWeights: string[];
  balancedSampling: boolean;
  augmentations: Augmentation[];
  validationKind: 'k-fold' | 'holdout';
  folds: string;
  holdoutFraction: string;
  earlyStopping: boolean;
  patience: string;
  focalGamma: string;
  unfreezeBlocks: string;
  backboneLearningRateFactor: string;
  seed: string;
}

/** The fields typed as numbers (kept as text until checked). */
export type NumberField =
  | 'epochs'
  | 'batchSize'
  | 'learningRate'
  | 'folds'
  | 'holdoutFraction'
  | 'patience'
  | 'focalGamma'
  | 'unfreezeBlocks'
  | 'backboneLearningRateFactor'
  | 'seed';

/** A field of the form, for the message next to it. Custom weights are named `weight-<class index>`. */
export type FormField = Exclude<keyof TrainForm, 'customWeights'> | `weight-${number}`;

export interface FieldProblem {
  field: FormField;
  message: string;
}

export type FormResult = { ok: true; options: TrainOptions } | { ok: false; problems: FieldProblem[] };

export const SCHEDULES: ReadonlyArray<{ kind: ScheduleKind; name: string }> = [
  { kind: 'one-cycle', name: 'One-cycle (warm up, then anneal)' },
  { kind: 'step', name: 'Step decay' },
  { kind: 'constant', name: 'Constant' },
];

export const HEAD_NAMES: Record<HeadKind, string> = {
  ordinal: 'Ordinal (cumulative grades)',
  softmax: 'Softmax (one class)',
  regression: 'Regression (grade as a number)',
  multilabel: 'Multilabel (one sigmoid per label)',
};

export const AUGMENTATION_NAMES: Record<Augmentation, string> = {
  'flip-h': 'Horizontal flip',
  'flip-v': 'Vertical flip',
  'rot-90': 'Rotate 90°',
  'rot-180': 'Rotate 180°',
  'rot-270': 'Rotate 270°',
};

export function formFromOptions(options: TrainOptions, task: TaskSpec): TrainForm {
  const custom = Array.isArray(options.classWeights) ? options.classWeights : null;
  return {
    backboneId: options.backboneId,
    inputSize: options.inputSize,
    head: options.head,
    strategy: options.strategy,
    epochs: String(options.epochs),
    batchSize: String(options.batchSize),
    learningRate: String(options.learningRate),
    schedule: options.schedule,
    classWeightMode: custom ? 'custom' : (options.classWeights as 'inverse-frequency' | 'none'),
    customWeights: task.classes.map((_, i) => String(custom?.[i] ?? 1)),
    balancedSampling: options.balancedSampling,
    augmentations: AUGMENTATIONS.filter((a) => options.augmentations.includes(a)),
    validationKind: options.validation.kind,
    folds: String(options.validation.kind === 'k-fold' ? options.validation.folds : 5),
    holdoutFraction: String(options.validation.kind === 'holdout' ? options.validation.fraction : 0.2),
    earlyStopping: options.earlyStoppingPatience !== null,
    patience: String(options.earlyStoppingPatience ?? 8),
    focalGamma: String(options.focalGamma),
    unfreezeBlocks: String(options.unfreezeBlocks),
    backboneLearningRateFactor: String(options.backboneLearningRateFactor),
    seed: String(options.seed),
  };
}

export const defaultForm = (task: TaskSpec): TrainForm => formFromOptions(defaultTrainOptions(task.kind), task);

/** The input sizes a backbone takes, among the ones the engine knows. */
export const sizesFor = (backbone: BackboneInfo | undefined): number[] =>
  backbone ? INPUT_SIZES.filter((size) => backbone.inputSizes.includes(size)) : [...INPUT_SIZES];

/** After choosing another backbone: keep the size if it takes it, else its default. */
export function sizeAfterBackboneChange(size: number, backbone: BackboneInfo): number {
  const sizes = sizesFor(backbone);
  if (sizes.includes(size)) return size;
  return sizes.includes(backbone.defaultInputSize) ? backbone.defaultInputSize : (sizes[0] ?? backbone.defaultInputSize);
}

/** Why fine-tuning cannot be chosen on this backend, or null when it can. (Why no faster backend runs is in its notes.) */
export function fineTuneUnavailable(backend: BackendInfo | null): string | null {
  if (!backend || backend.strategies.includes('fine-tune')) return null;
  return `Fine-tuning needs a GPU (WebGPU or CUDA) or native TensorFlow to compute convolution gradients at a useful speed; this computer runs the ${backend.backend} backend, which trains the head only.`;
}

/** "GPU: nvidia · nvidia-h200 (WebGPU)", or why there is none. */
export function adapterLine(backend: BackendInfo): string {
  const adapter = backend.adapter;
  if (!adapter) return `No GPU for WebGPU: ${backend.adapterReason ?? 'not looked for.'}`;
  return `GPU: ${[adapter.vendor, adapter.device || adapter.architecture, adapter.description].filter(Boolean).join(' · ')} (WebGPU)`;
}

/**
 * The training steps' duration of the run the form describes, from the rate the last finished run of
 * the same strategy and input size measured: "about 12 min (rate of model 4, …)", or why there is no estimate.
 */
export function runEstimate(form: TrainForm, rates: readonly TrainingRate[], labelled: number): string {
  const rate = rates.find((r) => r.strategy === form.strategy && r.inputSize === form.inputSize);
  if (!rate) return `No estimate yet: the first ${form.strategy === 'fine-tune' ? 'fine-tuning' : 'head'} run at ${form.inputSize} px measures the rate.`;
  const epochs = Number(form.epochs);
  const folds = Number(form.folds);
  const fraction = Number(form.holdoutFraction);
  const perEpoch = form.validationKind === 'k-fold' ? (labelled * (folds - 1)) / folds : labelled * (1 - fraction);
  const runs = form.validationKind === 'k-fold' ? folds : 1;
  if (!Number.isFinite(epochs) || !(perEpoch > 0) || !(epochs > 0)) return 'No estimate until the epochs and validation are valid.';
  const seconds = rate.secondsPerImageEpoch * perEpoch * epochs * runs;
  return `Training steps: about ${formatDuration(seconds)} at the rate of “${rate.modelName}” (at most; early stopping can end it sooner; extraction and GPU warm-up come on top).`;
}

/** "wasm (SIMD on) · 2 threads · @tensorflow/tfjs-backend-wasm". */
export function backendLine(backend: BackendInfo): string {
  const simd = backend.simd === null ? null : `SIMD ${backend.simd ? 'on' : 'off'}`;
  return [backend.backend, simd, `${backend.threads} thread${backend.threads === 1 ? '' : 's'}`, backend.package].filter(Boolean).join(' · ');
}

interface Limits {
  min: number;
  max: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** The minimum itself is not allowed (a learning rate must be above 0). */
  above?: boolean;
}

function parseNumber(text: string, name: string, limits: Limits): number | string {
  const trimmed = text.trim();
  const range = limits.above ? `above ${limits.min} and at most ${limits.max}` : `from ${limits.min} to ${limits.max}`;
  const kind = limits.integer ? 'a whole number' : 'a number';
  if (trimmed === '') return `Give ${name} (${kind} ${range}).`;
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return `${capitalise(name)} must be ${kind} ${range}; “${trimmed}” is not a number.`;
  if (limits.integer && !Number.isInteger(value)) return `${capitalise(name)} must be a whole number ${range}; ${trimmed} is not.`;
  const tooLow = limits.above ? value <= limits.min : value < limits.min;
  if (tooLow || value > limits.max) return `${capitalise(name)} must be ${kind} ${range}; ${trimmed} is out of range.`;
  return value;
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The options to send, or every problem with the form at once. */
export function optionsFromForm(form: TrainForm, task: TaskSpec, backend: BackendInfo | null = null): FormResult {
  const problems: FieldProblem[] = [];
  const read = (field: FormField, text: string, name: string, limits: Limits): number => {
    const value = parseNumber(text, name, limits);
    if (typeof value === 'string') {
      problems.push({ field, message: value });
      return NaN;
    }
    return value;
  };

  if (!headsFor(task.kind).includes(form.head)) {
    problems.push({ field: 'head', message: `A ${task.kind} project cannot use the ${form.head} head; choose ${headsFor(task.kind).join(' or ')}.` });
  }
  const fineTuneReason = form.strategy === 'fine-tune' ? fineTuneUnavailable(backend) : null;
  if (fineTuneReason) problems.push({ field: 'strategy', message: fineTuneReason });

  const epochs = read('epochs', form.epochs, 'the number of epochs', { min: 1, max: 1000, integer: true });
  const batchSize = read('batchSize', form.batchSize, 'the batch size', { min: 1, max: 4096, integer: true });
  const learningRate = read('learningRate', form.learningRate, 'the learning rate', { min: 0, max: 10, above: true });
  const seed = read('seed', form.seed, 'the seed', { min: 0, max: 2 ** 31 - 1, integer: true });

  let classWeights: TrainOptions['classWeights'] = form.classWeightMode === 'custom' ? [] : form.classWeightMode;
  if (form.classWeightMode === 'custom') {
    const weights = task.classes.map((name, i) =>
      read(`weight-${i}`, form.customWeights[i] ?? '', `the weight of “${name}”`, { min: 0, max: 1000 }),
    );
    if (weights.every((w) => !Number.isNaN(w)) && weights.every((w) => w === 0)) {
      problems.push({ field: 'weight-0', message: 'At least one class weight must be above 0, or no image would count in the loss.' });
    }
    classWeights = weights;
  }

  const validation: TrainOptions['validation'] =
    form.validationKind === 'k-fold'
      ? { kind: 'k-fold', folds: read('folds', form.folds, 'the number of folds', { min: 2, max: 20, integer: true }) }
      : { kind: 'holdout', fraction: read('holdoutFraction', form.holdoutFraction, 'the held-out fraction', { min: 0.05, max: 0.5 }) };

  const earlyStoppingPatience = form.earlyStopping
    ? read('patience', form.patience, 'the early-stopping patience', { min: 1, max: 1000, integer: true })
    : null;

  // Shown and checked only with the head or strategy they belong to; otherwise the engine's default is sent.
  const defaults = defaultTrainOptions(task.kind);
  const focalGamma =
    form.head === 'multilabel' ? read('focalGamma', form.focalGamma, 'the focal-loss gamma', { min: 0, max: 10 }) : defaults.focalGamma;
  const fineTune = form.strategy === 'fine-tune';
  const unfreezeBlocks = fineTune
    ? read('unfreezeBlocks', form.unfreezeBlocks, 'the number of unfrozen blocks', { min: 0, max: 17, integer: true })
    : defaults.unfreezeBlocks;
  const backboneLearningRateFactor = fineTune
    ? read('backboneLearningRateFactor', form.backboneLearningRateFactor, 'the backbone learning-rate factor', { min: 0, max: 1, above: true })
    : defaults.backboneLearningRateFactor;

  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    options: {
      backboneId: form.backboneId,
      inputSize: form.inputSize,
      head: form.head,
      strategy: form.strategy,
      epochs,
      batchSize,
      learningRate,
      schedule: form.schedule,
      classWeights,
      balancedSampling: form.balancedSampling,
      augmentations: AUGMENTATIONS.filter((a) => form.augmentations.includes(a)),
      validation,
      earlyStoppingPatience,
      focalGamma,
      unfreezeBlocks,
      backboneLearningRateFactor,
      seed,
    },
  };
}

/** A suggested learning rate as the form's field takes it: three significant digits ("0.000312"). */
export const rateForForm = (rate: number): string => String(Number(rate.toPrecision(3)));

/** The message for one field, if it has one. */
export const problemFor = (problems: readonly FieldProblem[], field: FormField): string | undefined =>
  problems.find((problem) => problem.field === field)?.message;
