// One training run, from its snapshot to a ready model: features for every image, a head per fold
// with checkpoints after each epoch, out-of-fold predictions and their evaluation, then predictions
// for every other image of the project. A run that was stopped resumes from its last epoch. The
// fine-tune strategy caches the frozen lower backbone's activations instead of pooled features and
// trains the backbone's top blocks with each fold's head (fine-tune/).
import { activateIfBetter } from '../evaluate/activation';
import fs from 'node:fs';
import type { LabelValue } from '../../../shared/domain';
import { GradedeskError } from '../../../shared/errors';
import type { Progress } from '../../../shared/jobs';
import { validationMetricName, type ActivationDecision, type ModelDetail, type Prediction } from '../../../shared/ml';
import type { TrainingImage } from '../../store/models';
import { tf } from '../engine/backend';
import { evaluate } from '../evaluate/evaluation';
import { featureContext, type Engine } from '../engine/engine';
import { ensureFeatures, extractorKey, type FeatureContext } from '../features/extract-features';
import { ensureActivations, type ActivationContext } from './fine-tune/activations-cache';
import { activationContext, fineTuneAvailable, fineTunePlan, type FineTunePlan } from './fine-tune/context';
import { fineTuneFold, trainingRowViews } from './fine-tune/train-fold';
import { classWeights, featureRows, headStandardisation, standardise, trainingRows, validationRows, type LabelledImage } from './head-data';
import { decodeOutput, type DecodedOutput } from './heads';
import { balancedAccuracy, macroF1, optimiseLabelThresholds, optimiseRegressionThresholds, quadraticWeightedKappa } from '../evaluate/metrics';
import {
  clearCheckpoint,
  hasFold,
  loadCheckpoint,
  loadFoldOutputs,
  saveCheckpoint,
  saveFold,
  writeManifest,
} from '../models/model-files';
import { predictImages } from '../models/predict';
import type { EpochResult, HeadCheckpoint } from './epoch-driver';
import { trainHead } from './train-head';
import { foldCount, TRAINING_SIDE } from './training-snapshot';
import { TTA_VIEWS, trainingViews, type ImageView } from '../features/views';

export interface RunControl {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export interface TrainingOutcome {
  modelId: number;
  /** The epoch the run started from (0 for a fresh run); more after a resume. */
  resumedFromEpoch: number;
  resumedFromFold: number;
  /** Whether the new model became the active one, and why (it must be better on the same images). */
  activation: ActivationDecision;
}

export async function runTraining(engine: Engine, modelId: number, control: RunControl = {}): Promise<TrainingOutcome> {
  const { store } = engine;
  const model = store.models.get(modelId);
  if (model.status === 'ready') throw new GradedeskError('invalid', `Model ${modelId} has finished training already.`);
  store.models.markRunning(modelId);
  const dir = store.models.dir(modelId);
  fs.mkdirSync(dir, { recursive: true });
  try {
    return await train(engine, model, dir, control);
  } catch (error) {
    const cancelled = error instanceof GradedeskError && error.code === 'cancelled';
    store.models.finish(modelId, cancelled ? { status: 'cancelled' } : { status: 'failed', error: (error as Error).message });
    throw error;
  }
}

async function train(engine: Engine, model: ModelDetail, dir: string, control: RunControl): Promise<TrainingOutcome> {
  const { store } = engine;
  const classCount = model.classes.length;
  const snapshot = store.models.trainingImages(model.id);
  const readable = new Map(store.images.readable(model.projectId).map((image) => [image.id, image]));
  const context = await featureContext(engine, model.options.backboneId, model.options.inputSize, model.taskKind, { features: model.options.features });
  let activations: ActivationContext | null = null;
  try {
    if (model.options.strategy === 'fine-tune' && !fineTuneAvailable(context.backend)) {
      throw new GradedeskError(
        'unsupported',
        `The ${context.backend.backend} backend cannot fine-tune the backbone (no affordable convolution gradients); train a head on cached features.`,
      );
    }
    if (context.preprocessor.id !== model.preprocessing) {
      throw new GradedeskError('invalid', `Model ${model.id} was started with preprocessing ${model.preprocessing}, which this version replaced; start a new training run.`);
    }
    let plan: FineTunePlan | null = null;
    if (model.options.strategy === 'fine-tune') {
      activations = await activationContext(engine, model.options, model.taskKind);
      plan = fineTunePlan(context.backend, model.options);
    }
    const options = plan ? { ...model.options, batchSize: plan.batchSize } : model.options;
    const views = trainingViews(options.augmentations);
    const rowViews = trainingRowViews({ views, pixelAugmentation: plan?.pixelAugmentation ?? null });
    const featureViews = [...new Set<ImageView>([...views, ...TTA_VIEWS])];

    // Features: every view for the snapshot, the test-time views for the rest of the project.
    const labelled = snapshot.filter((s) => readable.has(s.imageId));
    const missing = snapshot.length - labelled.length;
    if (missing > 0 && labelled.length < 10) throw new GradedeskError('invalid', `${missing} training images can no longer be read; re-import the folder.`);
    const labelledImages = labelled.map((s) => ({ ...readable.get(s.imageId)!, label: s.label, fold: s.fold }));
    const extraction = activations
      ? await ensureActivations(activations, labelledImages, featureViews, control)
      : await ensureFeatures(context, labelledImages, featureViews, control);
    const inSnapshot = new Set(snapshot.map((s) => s.imageId));
    const others = [...readable.values()].filter((image) => !inSnapshot.has(image.id));
    const unreadable = new Set(extraction.failed.map((f) => f.sha256));
    const usable = labelledImages.filter((image) => !unreadable.has(image.sha256));

    // Folds.
    const folds = foldCount(options);
    const checkpoint = loadCheckpoint(dir);
    const resumedFromFold = checkpoint?.fold ?? firstUnfinishedFold(dir, folds);
    const resumedFromEpoch = checkpoint?.epoch ?? 0;
    const metricOf = validationMetric(model);
    const totalEpochs = folds * options.epochs;
    let completedEpochs = 0;
    // Epochs trained by this process, for the rate and ETA (early stopping can only make the ETA shorter).
    // The clock starts after the first step: on a GPU that step compiles the shaders, which takes seconds.
    const clock = { started: null as number | null, warmUp: 0, epochs: 0 };
    for (let fold = 0; fold < folds; fold++) {
      if (hasFold(dir, fold)) {
        completedEpochs += options.epochs;
        continue;
      }
      const resume = checkpoint && checkpoint.fold === fold ? checkpoint : undefined;
      // Epoch rows past the checkpoint are redone (folds in the table count from 1).
      store.models.dropEpochsAfter(model.id, fold + 1, resume?.epoch ?? 0);
      const trainSet = usable.filter((image) => image.fold !== fold);
      const validationSet = usable.filter((image) => image.fold === fold);
      const epochsBefore = completedEpochs + (resume?.epoch ?? 0);
      const trainingRowCount = trainSet.length * rowViews.length;
      const batchesPerEpoch = Math.ceil(trainingRowCount / Math.min(options.batchSize, trainingRowCount));
      const report = (epoch: number, batch: number, loss: number | null, learningRate: number | null) => {
        const done = epochsBefore + epoch - (resume?.epoch ?? 0);
        const inEpoch = batch < batchesPerEpoch ? batch / batchesPerEpoch : 0;
        if (clock.started === null && batch > 0) {
          clock.started = performance.now();
          clock.warmUp = clock.epochs + (batch < batchesPerEpoch ? inEpoch : 1);
        }
        const trained = clock.epochs + inEpoch - clock.warmUp;
        const seconds = clock.started === null ? 0 : (performance.now() - clock.started) / 1000;
        const epochsPerSecond = trained > 0 && seconds > 0 ? trained / seconds : null;
        control.onProgress?.({
          phase: folds > 1 ? `Training fold ${fold + 1} of ${folds}` : 'Training',
          done,
          total: totalEpochs,
          ratePerSecond: epochsPerSecond,
          etaSeconds: epochsPerSecond ? Math.max(0, totalEpochs - done - (batch < batchesPerEpoch ? batch / batchesPerEpoch : 0)) / epochsPerSecond : null,
          training: { modelId: model.id, fold: fold + 1, folds, epoch, epochs: options.epochs, batch, batches: batchesPerEpoch, loss, learningRate },
        });
      };
      let currentEpoch = resume?.epoch ?? 0;
      report(currentEpoch, 0, null, null);
      const job: FoldJob = {
        classCount,
        seed: options.seed + fold,
        trainSet,
        validationSet,
        views,
        metric: (outputs) => metricOf(outputs, validationSet.map((i) => i.label)),
        ...(resume ? { resume } : {}),
        ...(control.signal ? { signal: control.signal } : {}),
        onBatch: (batch, _batches, loss, learningRate) => report(currentEpoch, batch, loss, learningRate),
        onEpoch: async (result, capture) => {
          // Checkpoint first: an epoch row then always has its checkpoint on disk, even after a kill.
          saveCheckpoint(dir, fold, await capture());
          store.models.recordEpoch(model.id, { fold: fold + 1, ...result });
          clock.epochs++;
          currentEpoch = result.epoch;
          report(currentEpoch, batchesPerEpoch, result.trainLoss, result.learningRate);
        },
      };
      const fineTuned = activations ? await fineTuneFold({ ...job, activations, options, pixelAugmentation: plan?.pixelAugmentation ?? null }) : null;
      const trained = fineTuned ?? (await trainHeadFold(engine, context, model, job));
      try {
        await saveFold(dir, fold, trained.model, trained.standardisation, trained.outputs);
        clearCheckpoint(dir);
      } finally {
        trained.model.dispose();
      }
      if (fineTuned) {
        const { validation, keptWarmHead } = fineTuned;
        store.models.recordFineTuneFold(model.id, { fold: fold + 1, warmHeadMetric: validation.warmHead, fineTunedMetric: validation.fineTuned, keptWarmHead });
      }
      completedEpochs += options.epochs;
    }

    // Out-of-fold evaluation, with cut points tuned without looking at the fold they are applied to.
    const validated = usable.filter((image) => image.fold !== TRAINING_SIDE);
    const outputs = new Map<number, number[]>();
    for (let fold = 0; fold < folds; fold++) for (const [id, output] of loadFoldOutputs(dir, fold)) outputs.set(id, output);
    const thresholds = tuneThresholds(model, validated.map((i) => ({ label: i.label, output: outputs.get(i.id)! })));
    const crossFitted = validated.map((image) => {
      const others = validated.filter((other) => other.fold !== image.fold);
      const cut = folds > 1 ? tuneThresholds(model, others.map((o) => ({ label: o.label, output: outputs.get(o.id)! }))) : thresholds;
      return { image, decoded: decodeOutput(options.head, outputs.get(image.id)!, cut, model.taskKind === 'dr-grade') };
    });
    const evaluation = evaluate({
      taskKind: model.taskKind,
      head: options.head,
      classes: model.classes,
      basis: options.validation.kind === 'k-fold' ? 'out-of-fold' : 'holdout',
      images: crossFitted.map(({ image, decoded }) => ({ label: image.label, group: image.groupId, ...decoded })),
      thresholds,
    });
    writeManifest(dir, {
      format: 'gradedesk-model/1',
      backbone: context.extractor.backbone,
      inputSize: options.inputSize,
      preprocessing: model.preprocessing,
      head: options.head,
      classes: model.classes,
      thresholds,
      heads: Array.from({ length: folds }, (_, fold) => `fold-${fold}`),
      createdAt: model.createdAt,
      strategy: options.strategy,
      ...(activations ? { cutLayer: activations.split.cutLayer } : {}),
    });

    // Predictions: out-of-fold for validated images, the fold ensemble for everything else.
    const outOfFold: Prediction[] = validated.map((image) => ({
      modelId: model.id,
      imageId: image.id,
      ...decodeOutput(options.head, outputs.get(image.id)!, thresholds, model.taskKind === 'dr-grade'),
      outOfFold: true,
      inTrainingSet: true,
    }));
    store.predictions.save(outOfFold);
    const rest = [...usable.filter((i) => i.fold === TRAINING_SIDE), ...others];
    await predictImages(engine, model.id, rest, { ...control, context, ...(activations ? { activations } : {}), trainingImageIds: inSnapshot });
    store.models.finish(model.id, { status: 'ready', thresholds, evaluation });
    const activation = activateIfBetter(store, model.id);
    return { modelId: model.id, resumedFromEpoch, resumedFromFold, activation };
  } finally {
    context.extractor.dispose();
    activations?.split.dispose();
  }
}

/** What training one fold takes, whichever the strategy. */
interface FoldJob {
  classCount: number;
  seed: number;
  trainSet: Array<LabelledImage & { fold: number; path: string }>;
  validationSet: Array<LabelledImage & { fold: number; path: string }>;
  views: ImageView[];
  metric: (outputs: number[][]) => number;
  resume?: HeadCheckpoint;
  signal?: AbortSignal;
  onBatch: (batch: number, batches: number, loss: number, learningRate: number) => void;
  onEpoch: (result: EpochResult, checkpoint: () => Promise<HeadCheckpoint>) => Promise<void>;
}

/** A head on the fold's standardised cached features, and its validation outputs (test-time views averaged). */
async function trainHeadFold(engine: Engine, context: FeatureContext, model: ModelDetail, job: FoldJob) {
  const { options } = model;
  const key = extractorKey(context);
  const dim = context.extractor.featureDim;
  const rawTrain = featureRows(engine.store.features, key, dim, job.trainSet, job.views);
  const standardisation = headStandardisation(rawTrain, dim);
  const weights = classWeights(job.trainSet.map((i) => i.label), job.classCount, options.classWeights);
  const train = trainingRows(standardise(rawTrain, standardisation), dim, job.trainSet, job.views.length, options.head, job.classCount, weights);
  const validation = validationRows(
    standardise(featureRows(engine.store.features, key, dim, job.validationSet, TTA_VIEWS), standardisation),
    job.validationSet,
    TTA_VIEWS.length,
    options.head,
    job.classCount,
  );
  const { head } = await trainHead({ kind: options.head, options, ...job, train, validation });
  try {
    const averaged = tf.tidy(() => {
      const x = tf.tensor2d(validation.x, [validation.x.length / dim, dim]);
      const raw = head.predict(x) as tf.Tensor2D;
      return tf.mean(tf.reshape(raw, [job.validationSet.length, TTA_VIEWS.length, raw.shape[1]]), 1);
    });
    const outputs = (await averaged.array()) as number[][];
    averaged.dispose();
    return { model: head as tf.LayersModel, standardisation, outputs: new Map(job.validationSet.map((image, i) => [image.id, outputs[i]!])) };
  } catch (error) {
    head.dispose();
    throw error;
  }
}

function firstUnfinishedFold(dir: string, folds: number): number {
  for (let fold = 0; fold < folds; fold++) if (!hasFold(dir, fold)) return fold;
  return folds;
}

/** The validation metric early stopping follows, from averaged head outputs. */
function validationMetric(model: ModelDetail): (outputs: number[][], labels: LabelValue[]) => number {
  const { head } = model.options;
  const classCount = model.classes.length;
  // Regression: round to the nearest grade until cut points are tuned after training.
  const cuts = head === 'regression' ? Array.from({ length: classCount - 1 }, (_, k) => k + 0.5) : null;
  const decode = (output: number[]) => decodeOutput(head, output, cuts, model.taskKind === 'dr-grade');
  const metric = validationMetricName(model.taskKind);
  return (outputs, labels) => {
    const predicted = outputs.map((o) => decode(o).predicted);
    if (metric === 'macro-f1') {
      const asMask = (label: LabelValue) => model.classes.map((_, k) => (label as number[]).includes(k));
      return macroF1(labels.map(asMask), predicted.map(asMask));
    }
    if (metric === 'qwk') return quadraticWeightedKappa(labels as number[], predicted as number[], classCount);
    return balancedAccuracy(labels as number[], predicted as number[], classCount);
  };
}

/** Regression cut points or multilabel per-label thresholds; null for heads that need none. */
function tuneThresholds(model: ModelDetail, samples: ReadonlyArray<{ label: LabelValue; output: number[] }>): number[] | null {
  if (samples.length === 0) return null;
  if (model.options.head === 'regression') {
    return optimiseRegressionThresholds(samples.map((s) => s.output[0]!), samples.map((s) => s.label as number), model.classes.length);
  }
  if (model.options.head === 'multilabel') {
    return optimiseLabelThresholds(samples.map((s) => s.output), samples.map((s) => model.classes.map((_, k) => (s.label as number[]).includes(k))));
  }
  return null;
}

export type { DecodedOutput, LabelledImage, TrainingImage };
