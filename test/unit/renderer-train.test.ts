import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../src/shared/api';
import { HAM10000_CLASSES, HPA_LABELS, taskSpecFor } from '../../src/shared/domain';
import { defaultTrainOptions, type BackboneInfo, type BackendInfo, type EpochRecord, type ModelSummary, type TrainOptions } from '../../src/shared/ml';
import {
  extent,
  formatTick,
  linearScale,
  logScale,
  logTicks,
  niceStep,
  niceTicks,
} from '../../src/shared/chart-scale';
import { currentFold, epochKey, foldSeries, metricTitle, progressLine } from '../../src/renderer/src/lib/train/epochs';
import { follows, isStale, latestJob } from '../../src/renderer/src/lib/jobs/job-follow';
import {
  canActivate,
  canResume,
  defaultEvaluatedId,
  defaultModelId,
  deleteQuestion,
  headlineCells,
  metricsBasis,
  modelIdOf,
} from '../../src/renderer/src/lib/train/models';
import {
  adapterLine,
  backendLine,
  defaultForm,
  fineTuneUnavailable,
  formFromOptions,
  optionsFromForm,
  problemFor,
  rateForForm,
  runEstimate,
  sizeAfterBackboneChange,
  sizesFor,
  type TrainForm,
} from '../../src/renderer/src/lib/train/options-form';

const drGrade = taskSpecFor('dr-grade');
const dermoscopy = taskSpecFor('multiclass', HAM10000_CLASSES);
const microscopy = taskSpecFor('multilabel', HPA_LABELS);

const wasm: BackendInfo = {
  backend: 'wasm',
  package: '@tensorflow/tfjs-backend-wasm',
  simd: true,
  threads: 2,
  strategies: ['head'],
  notes: ['@tensorflow/tfjs-node is not installed on this computer.'],
  adapter: null,
  adapterReason: 'The Vulkan loader (libvulkan.so.1) is not installed: install libvulkan1 and your GPU vendor’s Vulkan driver.',
  ladder: [],
};
const native: BackendInfo = { ...wasm, backend: 'tensorflow', package: '@tensorflow/tfjs-node', simd: null, threads: 4, strategies: ['head', 'fine-tune'], notes: [] };

const mobilenet: BackboneInfo = {
  id: 'mobilenet-v2-nsfwjs',
  name: 'MobileNetV2',
  format: 'layers',
  source: 'bundled',
  location: 'bundled/model.json',
  featureLayer: 'global_average_pooling2d_1',
  inputSizes: [224],
  defaultInputSize: 224,
  normalisation: 'unit',
  note: 'Later blocks were tuned on another photo domain.',
};

function expectOptions(form: TrainForm, task = drGrade, backend: BackendInfo | null = wasm): TrainOptions {
  const result = optionsFromForm(form, task, backend);
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join(' | '));
  return result.options;
}

function expectProblems(form: TrainForm, task = drGrade, backend: BackendInfo | null = wasm) {
  const result = optionsFromForm(form, task, backend);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('the Train form and TrainOptions', () => {
  it('turns the task’s defaults into the form and back unchanged', () => {
    for (const task of [drGrade, dermoscopy, microscopy]) {
      expect(expectOptions(defaultForm(task), task)).toEqual(defaultTrainOptions(task.kind));
    }
  });

  it('keeps every option through the form, including custom weights, hold-out and no early stopping', () => {
    const options: TrainOptions = {
      ...defaultTrainOptions('dr-grade'),
      head: 'regression',
      epochs: 12,
      batchSize: 64,
      learningRate: 0.0004,
      schedule: 'step',
      classWeights: [1, 2, 3, 4, 5],
      balancedSampling: true,
      augmentations: ['rot-90', 'flip-h'],
      validation: { kind: 'holdout', fraction: 0.25 },
      earlyStoppingPatience: null,
      seed: 42,
    };
    const form = formFromOptions(options, drGrade);
    expect(form.classWeightMode).toBe('custom');
    expect(form.customWeights).toEqual(['1', '2', '3', '4', '5']);
    expect(form.earlyStopping).toBe(false);
    // Augmentations come back in the engine's order.
    expect(expectOptions(form)).toEqual({ ...options, augmentations: ['flip-h', 'rot-90'] });
  });

  it('gives one weight field per class, named by the project’s classes', () => {
    const form = { ...defaultForm(dermoscopy), classWeightMode: 'custom' as const };
    expect(form.customWeights).toHaveLength(HAM10000_CLASSES.length);
    form.customWeights = form.customWeights.map(() => '1');
    form.customWeights[4] = 'x';
    const problems = expectProblems(form, dermoscopy);
    expect(problemFor(problems, 'weight-4')).toBe('The weight of “mel” must be a number from 0 to 1000; “x” is not a number.');
  });

  it('refuses custom weights that are all zero', () => {
    const form = { ...defaultForm(drGrade), classWeightMode: 'custom' as const, customWeights: ['0', '0', '0', '0', '0'] };
    expect(problemFor(expectProblems(form), 'weight-0')).toMatch(/At least one class weight must be above 0/);
  });

  it('names every bad number at once, next to its field, with its limits', () => {
    const form: TrainForm = { ...defaultForm(drGrade), epochs: '0', batchSize: '2.5', learningRate: '', seed: '-1', folds: '30' };
    const problems = expectProblems(form);
    expect(problems.map((p) => p.field)).toEqual(['epochs', 'batchSize', 'learningRate', 'seed', 'folds']);
    expect(problemFor(problems, 'epochs')).toBe('The number of epochs must be a whole number from 1 to 1000; 0 is out of range.');
    expect(problemFor(problems, 'batchSize')).toBe('The batch size must be a whole number from 1 to 4096; 2.5 is not.');
    expect(problemFor(problems, 'learningRate')).toBe('Give the learning rate (a number above 0 and at most 10).');
    expect(problemFor(problems, 'folds')).toBe('The number of folds must be a whole number from 2 to 20; 30 is out of range.');
  });

  it('takes a learning rate written with an exponent and refuses 0', () => {
    expect(expectOptions({ ...defaultForm(drGrade), learningRate: '3e-4' }).learningRate).toBe(0.0003);
    expect(problemFor(expectProblems({ ...defaultForm(drGrade), learningRate: '0' }), 'learningRate')).toBe(
      'The learning rate must be a number above 0 and at most 10; 0 is out of range.',
    );
  });

  it('checks the hold-out fraction and the patience only when they are in use', () => {
    const holdout = { ...defaultForm(drGrade), validationKind: 'holdout' as const, holdoutFraction: '0.6', folds: 'junk' };
    expect(expectProblems(holdout).map((p) => p.field)).toEqual(['holdoutFraction']);
    expect(expectOptions({ ...defaultForm(drGrade), earlyStopping: false, patience: '' }).earlyStoppingPatience).toBeNull();
    expect(problemFor(expectProblems({ ...defaultForm(drGrade), patience: '0' }), 'patience')).toMatch(/patience must be a whole number from 1/);
  });

  it('checks focal gamma only for a multilabel head and sends the default otherwise', () => {
    expect(expectOptions({ ...defaultForm(drGrade), focalGamma: 'nonsense' }).focalGamma).toBe(2);
    expect(problemFor(expectProblems({ ...defaultForm(microscopy), focalGamma: '11' }, microscopy), 'focalGamma')).toMatch(/from 0 to 10/);
  });

  it('refuses a head the task cannot use', () => {
    const problems = expectProblems({ ...defaultForm(dermoscopy), head: 'ordinal' }, dermoscopy);
    expect(problemFor(problems, 'head')).toBe('A multiclass project cannot use the ordinal head; choose softmax.');
  });

  it('refuses fine-tuning on a backend that cannot do it, saying why', () => {
    const form = { ...defaultForm(drGrade), strategy: 'fine-tune' as const };
    const reason = problemFor(expectProblems(form, drGrade, wasm), 'strategy');
    expect(reason).toMatch(/runs the wasm backend, which trains the head only/);
    expect(expectOptions(form, drGrade, native).strategy).toBe('fine-tune');
    expect(fineTuneUnavailable(native)).toBeNull();
  });

  it('checks the fine-tuning options only when fine-tuning', () => {
    const form = { ...defaultForm(drGrade), unfreezeBlocks: '99', backboneLearningRateFactor: '0' };
    expect(expectOptions(form).unfreezeBlocks).toBe(2);
    const problems = expectProblems({ ...form, strategy: 'fine-tune' }, drGrade, native);
    expect(problems.map((p) => p.field)).toEqual(['unfreezeBlocks', 'backboneLearningRateFactor']);
  });

  it('offers the input sizes the backbone takes and moves to its default when the size does not fit', () => {
    expect(sizesFor(mobilenet)).toEqual([224]);
    expect(sizesFor({ ...mobilenet, inputSizes: [96, 128, 224, 300] })).toEqual([96, 128, 224]);
    expect(sizesFor(undefined)).toContain(448);
    expect(sizeAfterBackboneChange(128, mobilenet)).toBe(224);
    expect(sizeAfterBackboneChange(128, { ...mobilenet, inputSizes: [128, 224] })).toBe(128);
  });

  it('puts a suggested learning rate in the form to three significant digits', () => {
    expect(rateForForm(0.000312345)).toBe('0.000312');
    expect(rateForForm(0.003)).toBe('0.003');
    expect(expectOptions({ ...defaultForm(drGrade), learningRate: rateForForm(3.1234e-7) }).learningRate).toBe(3.12e-7);
  });

  it('says which backend runs, with SIMD only where it means something', () => {
    expect(backendLine(wasm)).toBe('wasm · SIMD on · 2 threads · @tensorflow/tfjs-backend-wasm');
    expect(backendLine({ ...native, threads: 1 })).toBe('tensorflow · 1 thread · @tensorflow/tfjs-node');
  });
});

describe('chart scales and ticks', () => {
  it('picks round ticks inside the domain', () => {
    expect(niceTicks([0, 1], 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks([0.13, 0.87], 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks([1, 30], 5)).toEqual([5, 10, 15, 20, 25, 30]);
    expect(niceStep(7, 5)).toBe(1);
    expect(niceStep(8, 5)).toBe(2);
    expect(niceStep(40, 5)).toBe(10);
  });

  it('puts log ticks at powers of ten, adding 2× and 5× over a short range', () => {
    expect(logTicks([1e-6, 1])).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
    expect(logTicks([0.001, 0.05])).toEqual([0.001, 0.002, 0.005, 0.01, 0.02, 0.05]);
    expect(logTicks([0, 1])).toEqual([]);
  });

  it('maps values linearly or logarithmically onto the drawing', () => {
    const y = linearScale([0, 2], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(1)).toBe(100);
    const x = logScale([1e-4, 1], [0, 400]);
    expect(x(1e-4)).toBe(0);
    expect(x(1e-2)).toBeCloseTo(200);
  });

  it('widens a flat series and keeps required values on the axis', () => {
    expect(extent([0.5, 0.5])).toEqual([0.45, 0.55]);
    expect(extent([0.3, 0.9], { include: [0] })).toEqual([0, 0.9]);
    expect(extent([null, NaN, 2, undefined, 4])).toEqual([2, 4]);
    expect(extent([], { log: true })).toEqual([1e-4, 1]);
    expect(extent([0, 1e-3, 1e-1], { log: true })).toEqual([1e-3, 1e-1]);
  });

  it('labels ticks briefly', () => {
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(formatTick(1e-5, true)).toBe('1e-5');
    expect(formatTick(0.1, true)).toBe('0.1');
  });
});

const epoch = (fold: number, e: number, trainLoss: number, validationMetric: number | null = null): EpochRecord => ({
  fold,
  epoch: e,
  trainLoss,
  validationLoss: validationMetric === null ? null : 1 - validationMetric,
  validationMetric,
  learningRate: 0.001,
  seconds: 1.5,
});

describe('per-epoch curves', () => {
  it('makes one series per fold, epochs in order (both counted from 1, as the engine records them)', () => {
    const epochs = [epoch(2, 2, 0.5), epoch(1, 2, 0.7), epoch(1, 1, 0.9), epoch(2, 1, 0.8)];
    expect(foldSeries(epochs, 'trainLoss')).toEqual([
      { fold: 1, points: [{ x: 1, y: 0.9 }, { x: 2, y: 0.7 }] },
      { fold: 2, points: [{ x: 1, y: 0.8 }, { x: 2, y: 0.5 }] },
    ]);
  });

  it('keeps missing values as gaps and drops a fold with none', () => {
    const epochs = [epoch(1, 1, 1, null), epoch(1, 2, 1, 0.4), epoch(2, 1, 1, null)];
    expect(foldSeries(epochs, 'validationMetric')).toEqual([{ fold: 1, points: [{ x: 1, y: null }, { x: 2, y: 0.4 }] }]);
  });

  it('highlights the fold being trained, else the last one recorded', () => {
    const epochs = [epoch(1, 1, 1), epoch(3, 1, 1)];
    expect(currentFold(epochs, null)).toBe(3);
    expect(currentFold(epochs, { modelId: 1, fold: 2, folds: 5, epoch: 0, epochs: 30, batch: 0, batches: 0, loss: null, learningRate: null })).toBe(2);
    expect(currentFold([], null)).toBeNull();
  });

  it('says where a run is in epochs done, never past the last, and changes its refresh key only when an epoch ends', () => {
    const at = { modelId: 7, fold: 2, folds: 5, epoch: 2, epochs: 30, batch: 12, batches: 40, loss: 0.41234, learningRate: 0.001 };
    expect(progressLine(at)).toBe('Fold 2 of 5 · 2 of 30 epochs done · batch 12 of 40 · loss 0.4123');
    expect(progressLine({ ...at, folds: 1, fold: 1, loss: null, batches: 0 })).toBe('2 of 30 epochs done');
    expect(progressLine({ ...at, epoch: 30, batch: 40 })).toBe('Fold 2 of 5 · 30 of 30 epochs done · batch 40 of 40 · loss 0.4123');
    expect(epochKey({ ...at, batch: 13, loss: 0.3 })).toBe(epochKey(at));
    expect(epochKey({ ...at, epoch: 3 })).not.toBe(epochKey(at));
    expect(epochKey({ ...at, fold: 3, epoch: 0 })).not.toBe(epochKey(at));
  });

  it('names the validation metric the engine follows for the task', () => {
    expect(metricTitle('dr-grade')).toBe('Quadratic weighted kappa');
    expect(metricTitle('multiclass')).toBe('Balanced accuracy');
    expect(metricTitle('multilabel')).toBe('Macro-F1');
  });
});

function job(id: string, overrides: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    id,
    kind: 'training',
    title: 'Training',
    projectId: 1,
    details: {},
    state: 'running',
    progress: null,
    error: null,
    startedAt: '2025-01-01T10:00:00.000Z',
    finishedAt: null,
    report: null,
    ...overrides,
  };
}

describe('following a training job', () => {
  it('takes only its own job’s events while it runs', () => {
    const followed = job('a');
    expect(follows('training', followed, false, job('a', { state: 'done' }))).toBe(true);
    expect(follows('training', followed, false, job('b'))).toBe(false);
    expect(follows('training', followed, false, job('a', { kind: 'import' }))).toBe(false);
  });

  it('takes up a running job of its kind when none runs, or the one being started', () => {
    expect(follows('training', null, false, job('b'))).toBe(true);
    expect(follows('training', null, false, job('b', { state: 'done' }))).toBe(false);
    expect(follows('training', null, true, job('b', { state: 'done' }))).toBe(true);
    expect(follows('training', job('a', { state: 'done' }), false, job('b'))).toBe(true);
  });

  it('holds an ended job (the import report) until cleared when asked to, still taking its own events', () => {
    const ended = job('a', { kind: 'import', state: 'done' });
    expect(follows('import', ended, false, job('b', { kind: 'import' }), true)).toBe(false);
    expect(follows('import', ended, false, job('a', { kind: 'import', state: 'done' }), true)).toBe(true);
    expect(follows('import', null, false, job('b', { kind: 'import' }), true)).toBe(true);
    expect(follows('import', ended, false, job('b', { kind: 'import' }))).toBe(true);
  });

  it('never brings an ended job back to running', () => {
    expect(isStale(job('a', { state: 'cancelled' }), job('a'))).toBe(true);
    expect(isStale(job('a'), job('a', { state: 'done' }))).toBe(false);
    expect(isStale(null, job('a'))).toBe(false);
  });

  it('finds the newest job of a kind in the job list, by project and state', () => {
    const jobs = [
      job('old', { startedAt: '2025-01-01T09:00:00.000Z' }),
      job('new', { startedAt: '2025-01-01T11:00:00.000Z', state: 'done' }),
      job('other', { startedAt: '2025-01-01T12:00:00.000Z', projectId: 2 }),
      job('lr', { kind: 'lr-finder', startedAt: '2025-01-01T13:00:00.000Z' }),
    ];
    expect(latestJob(jobs, 'training')?.id).toBe('other');
    expect(latestJob(jobs, 'training', { projectId: 1 })?.id).toBe('new');
    expect(latestJob(jobs, 'training', { projectId: 1, running: true })?.id).toBe('old');
    expect(latestJob(jobs, 'prediction')).toBeNull();
  });

  it('reads the model from live progress, else from the job’s details', () => {
    expect(modelIdOf(job('a', { details: { modelId: '12' } }))).toBe(12);
    const progress = { phase: 'Training', done: 1, total: 2, ratePerSecond: null, etaSeconds: null, training: { modelId: 13, fold: 0, folds: 5, epoch: 0, epochs: 3, batch: 0, batches: 1, loss: null, learningRate: null } };
    expect(modelIdOf(job('a', { details: { modelId: '12' }, progress }))).toBe(13);
    expect(modelIdOf(job('a', { details: { modelId: 'x' } }))).toBeNull();
    expect(modelIdOf(null)).toBeNull();
  });
});

function model(id: number, overrides: Partial<ModelSummary> = {}): ModelSummary {
  return {
    id,
    projectId: 1,
    name: `Model ${id}`,
    status: 'ready',
    active: false,
    createdAt: `2025-01-0${id}T10:00:00.000Z`,
    finishedAt: null,
    backboneId: 'mobilenet-v2-nsfwjs',
    inputSize: 224,
    head: 'ordinal',
    strategy: 'head',
    members: null,
    trainingImages: 400,
    metrics: null,
    referralThreshold: null,
    error: null,
    activation: null,
    ...overrides,
  };
}

describe('the model list', () => {
  it('resumes only interrupted or cancelled runs, and activates only finished inactive models', () => {
    expect(['interrupted', 'cancelled'].map((status) => canResume(model(1, { status: status as ModelSummary['status'] })))).toEqual([true, true]);
    expect(['ready', 'training', 'failed'].map((status) => canResume(model(1, { status: status as ModelSummary['status'] })))).toEqual([false, false, false]);
    expect(canResume(null)).toBe(false);
    expect(canActivate(model(1))).toBe(true);
    expect(canActivate(model(1, { active: true }))).toBe(false);
    expect(canActivate(model(1, { status: 'cancelled' }))).toBe(false);
  });

  it('shows headline figures rounded to the nearest digit, a dash where there is none, and what they were measured on', () => {
    const metrics = { samples: 312, qwk: 0.8129, accuracy: 0.7, balancedAccuracy: 0.99996, referableAuc: null, macroF1: 0.5, ece: 0.04 };
    expect(headlineCells(model(1, { metrics })).map((cell) => cell.text)).toEqual(['0.813', '—', '100.0%', '0.500']);
    expect(headlineCells(model(1)).map((cell) => cell.text)).toEqual(['—', '—', '—', '—']);
    expect(metricsBasis(model(1, { metrics }))).toBe('312 images');
    expect(metricsBasis(model(1))).toBe('not evaluated');
    expect(metricsBasis(model(1, { status: 'training' }))).toBe('—');
  });

  it('warns before deleting the active model', () => {
    expect(deleteQuestion(model(3, { active: true }))).toMatch(/^Delete the model “Model 3”.*cannot be undone\. It is the active model/);
    expect(deleteQuestion(model(3))).not.toMatch(/active model/);
  });

  it('shows the active model first, else the newest', () => {
    expect(defaultModelId([model(1), model(3), model(2)])).toBe(3);
    expect(defaultModelId([model(1), model(3), model(2, { active: true })])).toBe(2);
    expect(defaultModelId([])).toBeNull();
    // Evaluate skips a newer model that has not finished.
    expect(defaultEvaluatedId([model(1), model(3, { status: 'training' })])).toBe(1);
  });
});

describe('the backend, its GPU and the run estimate', () => {
  const rate = { strategy: 'head' as const, inputSize: 224, secondsPerImageEpoch: 0.01, modelId: 4, modelName: 'ordinal on mobilenet @224' };

  it('names the GPU adapter, or says why there is none', () => {
    expect(adapterLine(wasm)).toBe(`No GPU for WebGPU: ${wasm.adapterReason}`);
    const gpu: BackendInfo = {
      ...native,
      backend: 'webgpu',
      adapter: { vendor: 'nvidia', architecture: '', device: 'nvidia-h200', description: 'NVIDIA: 580.159.04', maxBufferSize: 2 ** 40, maxStorageBufferBindingSize: 2 ** 31, maxComputeWorkgroupStorageSize: 49152, maxComputeInvocationsPerWorkgroup: 1024 },
      adapterReason: null,
    };
    expect(adapterLine(gpu)).toBe('GPU: nvidia · nvidia-h200 · NVIDIA: 580.159.04 (WebGPU)');
  });

  it('estimates the training steps from the last run of the same strategy and size', () => {
    const form = { ...defaultForm(drGrade), epochs: '30', folds: '5' };
    // 1,000 graded images, 5 folds: each fold trains on 800 per epoch; 5 × 30 × 800 × 0.01 s = 1,200 s.
    expect(runEstimate(form, [rate], 1000)).toBe(
      'Training steps: about 20m 00s at the rate of “ordinal on mobilenet @224” (at most; early stopping can end it sooner; extraction and GPU warm-up come on top).',
    );
    expect(runEstimate({ ...form, strategy: 'fine-tune' }, [rate], 1000)).toBe('No estimate yet: the first fine-tuning run at 224 px measures the rate.');
    expect(runEstimate({ ...form, epochs: 'many' }, [rate], 1000)).toBe('No estimate until the epochs and validation are valid.');
  });
});
