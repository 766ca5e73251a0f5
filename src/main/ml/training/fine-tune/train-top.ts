// Fine-tunes a network's top backbone blocks together with its head, on cached cut activations. One
// backbone block more is unfrozen at each equal share of the epochs (progressive unfreezing, topmost
// block first), after a first share where the head trains alone unless it was warmed up already (warm-head.ts), with its own optimizer at the learning rate times
// `backboneLearningRateFactor`. Adam normalises gradient scale away, so a lower backbone rate needs a
// second optimizer: scaling the backbone's gradients would change nothing. Batches, schedule, validation
// metric, early stopping and per-epoch checkpoints are the epoch loop's that train-head.ts uses too.
import { GradedeskError } from '../../../../shared/errors';
import type { HeadKind, TrainOptions } from '../../../../shared/ml';
import { tf } from '../../engine/backend';
import { lossPerSample } from '../heads';
import { runEpochs, type EpochOptions, type EpochResult, type HeadCheckpoint, type TrainingControl } from '../epoch-driver';
import type { TrainingRows, ValidationRows } from '../train-head';
import type { FineTuneNetwork } from './network';

export interface TopTrainingRows extends Omit<TrainingRows, 'x' | 'dim'> {
  /** Cut activations of training rows (image × view), as one batch (computed afresh from augmented pixels on a GPU). */
  input(rows: Int32Array): tf.Tensor4D | Promise<tf.Tensor4D>;
}

export interface TopValidationRows extends Omit<ValidationRows, 'x'> {
  images: number;
  /** Cut activations of validation images [from, to), each image's views adjacent. */
  input(from: number, to: number): tf.Tensor4D;
}

export interface FineTuneEpoch extends EpochResult {
  /** The backbone blocks that trained in this epoch, topmost first (none while the head trains alone). */
  trainableBlocks: string[];
}

export interface TopTraining extends TrainingControl<FineTuneEpoch> {
  kind: HeadKind;
  classCount: number;
  options: EpochOptions & Pick<TrainOptions, 'focalGamma' | 'backboneLearningRateFactor'>;
  seed: number;
  network: FineTuneNetwork;
  train: TopTrainingRows;
  validation: TopValidationRows | null;
  /** Higher is better; from the averaged validation outputs (images × outputs). */
  metric: ((outputs: number[][]) => number) | null;
  /** The head was trained alone beforehand (warm-head.ts): the top block trains from the first epoch. */
  headWarmedUp?: boolean;
  /** Its weights are the network model's; its optimizer entries are named head:… and backbone:…. */
  resume?: HeadCheckpoint;
}

/**
 * How many blocks train during an epoch: none in the first of (blocks + 1) equal shares of the epochs, then
 * one more per share; with a warmed-up head, one in the first of `blocks` shares, then one more per share.
 */
export function unfrozenBlocksAt(epoch: number, epochs: number, blocks: number, headWarmedUp = false): number {
  if (headWarmedUp) return Math.min(blocks, 1 + Math.floor((epoch * blocks) / Math.max(1, epochs)));
  return Math.min(blocks, Math.floor((epoch * (blocks + 1)) / Math.max(1, epochs)));
}

const VALIDATION_CHUNK = 32;

type NamedTensor = { name: string; tensor: tf.Tensor };

export async function trainTop(job: TopTraining): Promise<{ bestEpoch: number; stoppedEarly: boolean }> {
  const { network, train, options } = job;
  const rows = train.strata.length;
  if (rows === 0) throw new GradedeskError('invalid', 'There are no training images in this fold.');
  const headOptimizer = tf.train.adam(options.learningRate);
  const headVariables = network.headVariables();
  // tfjs's Adam keeps its moments by position in the gradient list, so its variable list must never
  // change: each unfreezing stage gets a new backbone optimizer.
  let backbone: { stage: number; variables: tf.Variable[]; optimizer: tf.AdamOptimizer | null } = { stage: -1, variables: [], optimizer: null };
  const enterStage = (stage: number) => {
    if (backbone.stage === stage) return;
    backbone.optimizer?.dispose();
    const variables = network.unfreeze(stage);
    backbone = { stage, variables, optimizer: variables.length > 0 ? tf.train.adam(options.learningRate * options.backboneLearningRateFactor) : null };
  };
  const stageOf = (epoch: number) => unfrozenBlocksAt(epoch, options.epochs, network.blocks.length, job.headWarmedUp);
  const targets = tf.tensor2d(train.targets, [rows, train.outputs]);
  const weights = tf.tensor1d(train.weights);
  const validation = job.validation && {
    ...job.validation,
    targets: tf.tensor2d(job.validation.targets, [job.validation.images, train.outputs]),
    weights: tf.tensor1d(job.validation.weights),
  };
  try {
    if (job.resume) {
      network.setWeights(job.resume.weights);
      const startEpoch = job.resume.epoch;
      const saved = optimizerParts(job.resume.optimizer);
      await headOptimizer.setWeights(saved.head);
      // The backbone optimizer's state belongs to the stage of the last finished epoch; a new stage starts afresh.
      if (startEpoch > 0 && startEpoch < options.epochs && stageOf(startEpoch - 1) === stageOf(startEpoch)) {
        enterStage(stageOf(startEpoch));
        if (saved.backbone.length > 0) await backbone.optimizer?.setWeights(saved.backbone);
      }
    }

    return await runEpochs(job, {
      strata: train.strata,
      beginEpoch: (epoch) => enterStage(stageOf(epoch)),
      step: async (batchRows, learningRate) => {
        setLearningRate(headOptimizer, learningRate);
        if (backbone.optimizer) setLearningRate(backbone.optimizer, learningRate * options.backboneLearningRateFactor);
        const x = await train.input(batchRows);
        const indices = tf.tensor1d(batchRows, 'int32');
        const { value, grads } = tf.variableGrads(() => {
          const outputs = network.forward(x, true);
          const perSample = lossPerSample(job.kind, tf.gather(targets, indices) as tf.Tensor2D, outputs, options.focalGamma);
          const w = tf.gather(weights, indices);
          return tf.div(tf.sum(tf.mul(perSample, w)), tf.maximum(tf.sum(w), 1e-6)) as tf.Scalar;
        }, [...headVariables, ...backbone.variables]);
        headOptimizer.applyGradients(gradientsOf(headVariables, grads));
        backbone.optimizer?.applyGradients(gradientsOf(backbone.variables, grads));
        tf.dispose([x, indices, ...Object.values(grads)]);
        const loss = (await value.data())[0]!;
        value.dispose();
        return loss;
      },
      validate: () => validation && evaluate(job, validation),
      record: (result) => ({ ...result, trainableBlocks: network.blocks.slice(0, backbone.stage).map((block) => block.name) }),
      weights: () => network.getWeights(),
      setWeights: (values) => network.setWeights(values),
      optimizerState: async () => {
        const optimizer = backbone.optimizer;
        return [...(await optimizerEntries('head', headOptimizer)), ...(optimizer ? await optimizerEntries('backbone', optimizer) : [])];
      },
    });
  } finally {
    tf.dispose([targets, weights]);
    if (validation) tf.dispose([validation.targets, validation.weights]);
    headOptimizer.dispose();
    backbone.optimizer?.dispose();
  }
}

/** Network outputs averaged over each validation image's views: images × outputs. */
export async function averagedOutputs(network: FineTuneNetwork, validation: Pick<TopValidationRows, 'images' | 'views' | 'input'>): Promise<number[][]> {
  const outputs: number[][] = [];
  for (let from = 0; from < validation.images; from += VALIDATION_CHUNK) {
    const to = Math.min(validation.images, from + VALIDATION_CHUNK);
    const x = await validation.input(from, to);
    const averaged = tf.tidy(() => {
      const raw = network.forward(x, false);
      return tf.mean(tf.reshape(raw, [to - from, validation.views, raw.shape[1]]), 1);
    });
    outputs.push(...((await averaged.array()) as number[][]));
    tf.dispose([x, averaged]);
  }
  return outputs;
}

async function evaluate(
  job: TopTraining,
  validation: Pick<TopValidationRows, 'images' | 'views' | 'input'> & { targets: tf.Tensor2D; weights: tf.Tensor1D },
): Promise<{ loss: number; metric: number | null }> {
  const outputs = await averagedOutputs(job.network, validation);
  const lossTensor = tf.tidy(() => {
    const perSample = lossPerSample(job.kind, validation.targets, tf.tensor2d(outputs), job.options.focalGamma);
    return tf.div(tf.sum(tf.mul(perSample, validation.weights)), tf.maximum(tf.sum(validation.weights), 1e-6));
  });
  const loss = (await lossTensor.data())[0]!;
  lossTensor.dispose();
  return { loss, metric: job.metric ? job.metric(outputs) : null };
}

/** The gradients of `variables`, keyed in their order (the order Adam keeps its moments by). */
function gradientsOf(variables: readonly tf.Variable[], grads: tf.NamedTensorMap): NamedTensor[] {
  return variables.map((variable) => ({ name: variable.name, tensor: grads[variable.name]! }));
}

function setLearningRate(optimizer: tf.AdamOptimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

async function optimizerEntries(part: 'head' | 'backbone', optimizer: tf.AdamOptimizer): Promise<HeadCheckpoint['optimizer']> {
  return Promise.all(
    (await optimizer.getWeights()).map(async ({ name, tensor }) => ({ name: `${part}:${name}`, shape: tensor.shape, values: (await tensor.data()) as Float32Array })),
  );
}

function optimizerParts(entries: HeadCheckpoint['optimizer']): Record<'head' | 'backbone', NamedTensor[]> {
  const part = (prefix: string) =>
    entries.filter((entry) => entry.name.startsWith(prefix)).map(({ name, shape, values }) => ({ name: name.slice(prefix.length), tensor: tf.tensor(values, shape) }));
  return { head: part('head:'), backbone: part('backbone:') };
}
