// The epoch loop that the head trainer and fine-tuning share: the row order of each epoch, the per-batch
// learning-rate schedule, cancellation, the validation metric per epoch, early stopping that keeps the
// best epoch's weights, and a checkpoint after every epoch from which training resumes. What a step
// trains (a head on features, or backbone blocks with a head) is the trainer's.
import { GradedeskError } from '../../../shared/errors';
import type { EpochRecord, TrainOptions } from '../../../shared/ml';
import { createRandom } from '../../util/random';
import { learningRateAt } from './schedules';

/** What a run saves after each epoch, and resumes from. */
export interface HeadCheckpoint {
  /** Epochs completed. */
  epoch: number;
  weights: Float32Array[];
  optimizer: Array<{ name: string; shape: number[]; values: Float32Array }>;
  best: { epoch: number; metric: number; weights: Float32Array[] } | null;
  epochsWithoutImprovement: number;
}

/** One finished epoch of a fold: the stored epoch record without its fold number. */
export type EpochResult = Omit<EpochRecord, 'fold'>;

/** How the caller follows, stops and resumes a training run. */
export interface TrainingControl<Epoch extends EpochResult = EpochResult> {
  resume?: HeadCheckpoint;
  signal?: AbortSignal;
  onBatch?: (batch: number, batches: number, loss: number, learningRate: number) => void;
  /** After each epoch, with a function that captures the checkpoint to save. */
  onEpoch?: (result: Epoch, checkpoint: () => Promise<HeadCheckpoint>) => Promise<void> | void;
}

/** The options the epoch loop follows. */
export type EpochOptions = Pick<TrainOptions, 'epochs' | 'batchSize' | 'learningRate' | 'schedule' | 'balancedSampling' | 'earlyStoppingPatience'>;

/** A training run as its caller asked for it. */
export interface EpochRun<Epoch extends EpochResult> extends TrainingControl<Epoch> {
  options: EpochOptions;
  seed: number;
}

/** What one trainer does in the epoch loop: its steps, validation and weights. */
export interface EpochTrainer<Epoch extends EpochResult> {
  /** Per training row, its class (for balanced sampling); one entry per row. */
  strata: Int32Array;
  /** Called before each epoch's first batch. */
  beginEpoch?: (epoch: number) => void;
  /** One optimisation step on these rows at this learning rate; resolves to the batch's loss. */
  step: (rows: Int32Array, learningRate: number) => Promise<number>;
  /** The validation loss and metric (higher is better) after an epoch; null when there are no validation rows. */
  validate: () => Promise<{ loss: number; metric: number | null }> | null;
  /** The epoch's record as the trainer reports it. */
  record: (result: EpochResult) => Epoch;
  weights: () => Promise<Float32Array[]>;
  setWeights: (weights: Float32Array[]) => void;
  optimizerState: () => Promise<HeadCheckpoint['optimizer']>;
}

/**
 * Runs the epochs left (all, or those after the checkpoint resumed from) and leaves the trainer with the
 * best epoch's weights (or the last epoch's when there is no validation metric).
 */
export async function runEpochs<Epoch extends EpochResult>(
  run: EpochRun<Epoch>,
  trainer: EpochTrainer<Epoch>,
): Promise<{ bestEpoch: number; stoppedEarly: boolean }> {
  const { options } = run;
  const rows = trainer.strata.length;
  const batchSize = Math.min(options.batchSize, rows);
  const batches = Math.ceil(rows / batchSize);
  const totalSteps = options.epochs * batches;
  let best = run.resume?.best ?? null;
  let stale = run.resume?.epochsWithoutImprovement ?? 0;
  let stoppedEarly = false;
  for (let epoch = run.resume?.epoch ?? 0; epoch < options.epochs; epoch++) {
    const started = performance.now();
    trainer.beginEpoch?.(epoch);
    const order = epochOrder(trainer.strata, options.balancedSampling, run.seed * 1009 + epoch);
    let lossSum = 0;
    let learningRate = options.learningRate;
    for (let b = 0; b < batches; b++) {
      if (run.signal?.aborted) throw new GradedeskError('cancelled', 'Training was cancelled.');
      learningRate = learningRateAt(options.schedule, options.learningRate, epoch * batches + b, totalSteps);
      const loss = await trainer.step(order.subarray(b * batchSize, Math.min(rows, (b + 1) * batchSize)), learningRate);
      lossSum += loss;
      run.onBatch?.(b + 1, batches, loss, learningRate);
    }
    const evaluated = await trainer.validate();
    const result = trainer.record({
      epoch: epoch + 1,
      trainLoss: lossSum / batches,
      validationLoss: evaluated?.loss ?? null,
      validationMetric: evaluated?.metric ?? null,
      learningRate,
      seconds: (performance.now() - started) / 1000,
    });
    const improved = result.validationMetric !== null && (best === null || result.validationMetric > best.metric);
    if (improved) {
      best = { epoch: epoch + 1, metric: result.validationMetric!, weights: await trainer.weights() };
      stale = 0;
    } else stale++;
    const checkpoint = async (): Promise<HeadCheckpoint> => ({
      epoch: epoch + 1,
      weights: await trainer.weights(),
      optimizer: await trainer.optimizerState(),
      best,
      epochsWithoutImprovement: stale,
    });
    await run.onEpoch?.(result, checkpoint);
    if (options.earlyStoppingPatience !== null && stale >= options.earlyStoppingPatience && epoch + 1 < options.epochs) {
      stoppedEarly = true;
      break;
    }
  }
  if (best) trainer.setWeights(best.weights);
  return { bestEpoch: best?.epoch ?? options.epochs, stoppedEarly };
}

/** Row order for one epoch: a shuffle, or (balanced) draws with every class equally likely. */
function epochOrder(strata: Int32Array, balanced: boolean, seed: number): Int32Array {
  const random = createRandom(seed);
  const order = new Int32Array(strata.length);
  if (balanced) {
    const byClass = new Map<number, number[]>();
    strata.forEach((s, i) => byClass.set(s, [...(byClass.get(s) ?? []), i]));
    const classes = [...byClass.values()];
    for (let i = 0; i < order.length; i++) {
      const members = classes[Math.floor(random.next() * classes.length)]!;
      order[i] = members[Math.floor(random.next() * members.length)]!;
    }
    return order;
  }
  order.forEach((_, i) => (order[i] = i));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
