import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/main/util/random';
import { initBackend, tf } from '../../src/main/ml/engine/backend';
import { trainingRows, validationRows, type LabelledImage } from '../../src/main/ml/training/head-data';
import { decodeOutput } from '../../src/main/ml/training/heads';
import { accuracy, quadraticWeightedKappa } from '../../src/main/ml/evaluate/metrics';
import type { EpochResult, HeadCheckpoint } from '../../src/main/ml/training/epoch-driver';
import { trainHead, type HeadTraining } from '../../src/main/ml/training/train-head';
import type { HeadKind } from '../../src/shared/ml';
import { GradedeskError } from '../../src/shared/errors';

beforeAll(async () => {
  await initBackend();
});

const DIM = 16;
const CLASSES = 3;

/** Three Gaussian clusters in 16-d, one per grade, with centres along a line so the grades are ordered. */
function clusters(perClass: number, seed: number): { x: Float32Array; images: LabelledImage[] } {
  const random = createRandom(seed);
  const direction = createRandom(99); // the same centres for every sample drawn
  const centre = Array.from({ length: DIM }, () => direction.normal(0, 1));
  const images: LabelledImage[] = [];
  const x = new Float32Array(perClass * CLASSES * DIM);
  for (let i = 0; i < perClass * CLASSES; i++) {
    const grade = i % CLASSES;
    images.push({ id: i, sha256: `${seed}-${i}`, label: grade });
    for (let d = 0; d < DIM; d++) x[i * DIM + d] = (grade - 1) * 1.5 * centre[d]! + random.normal(0, 1);
  }
  return { x, images };
}

const train = clusters(40, 1);
const validation = clusters(20, 2);
const validationLabels = validation.images.map((image) => image.label as number);

type JobOverrides = Partial<Omit<HeadTraining, 'options'>> & { options?: Partial<HeadTraining['options']> };

function job(kind: HeadKind, overrides: JobOverrides = {}): HeadTraining {
  const { options, ...rest } = overrides;
  return {
    kind,
    classCount: CLASSES,
    options: {
      epochs: 12,
      batchSize: 16,
      learningRate: 0.01,
      schedule: 'one-cycle',
      balancedSampling: false,
      earlyStoppingPatience: null,
      focalGamma: 0,
      ...options,
    },
    seed: 5,
    train: trainingRows(train.x, DIM, train.images, 1, kind, CLASSES, [1, 1, 1]),
    validation: validationRows(validation.x, validation.images, 1, kind, CLASSES),
    metric: (outputs) => quadraticWeightedKappa(validationLabels, outputs.map((o) => decodeOutput(kind, o, null, true).predicted as number), CLASSES),
    ...rest,
  };
}

function predictedGrades(head: tf.Sequential, kind: HeadKind): number[] {
  const x = tf.tensor2d(validation.x, [validation.images.length, DIM]);
  const outputs = head.predict(x) as tf.Tensor2D;
  const rows = outputs.arraySync();
  tf.dispose([x, outputs]);
  return rows.map((row) => decodeOutput(kind, row, null, true).predicted as number);
}

const weightsOf = (head: tf.Sequential) => head.getWeights().map((w) => Array.from(w.dataSync()));

function maxDifference(a: number[][], b: ArrayLike<number>[]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  a.forEach((values, i) => {
    expect(values.length).toBe(b[i]!.length);
    values.forEach((v, k) => (max = Math.max(max, Math.abs(v - b[i]![k]!))));
  });
  return max;
}

describe('training a head on separable features', () => {
  it.each(['ordinal', 'softmax'] as const)('%s: the loss falls and the validation metric ends high', async (kind) => {
    const epochs: EpochResult[] = [];
    const trained = await trainHead(job(kind, { onEpoch: (result) => void epochs.push(result) }));
    try {
      expect(epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(epochs.at(-1)!.trainLoss).toBeLessThan(epochs[0]!.trainLoss * 0.5);
      expect(epochs.at(-1)!.validationLoss!).toBeLessThan(epochs[0]!.validationLoss!);
      expect(epochs.at(-1)!.validationMetric!).toBeGreaterThan(0.9);
      expect(epochs.at(-1)!.validationMetric!).toBeGreaterThan(epochs[0]!.validationMetric! + 0.1);
      expect(trained.stoppedEarly).toBe(false);
      const predicted = predictedGrades(trained.head, kind);
      expect(quadraticWeightedKappa(validationLabels, predicted, CLASSES)).toBeGreaterThan(0.9);
      expect(accuracy(validationLabels, predicted)).toBeGreaterThan(0.85);
    } finally {
      trained.head.dispose();
    }
  });

  it('reports the scheduled learning rate and every batch', async () => {
    const batches: Array<[number, number]> = [];
    const epochs: EpochResult[] = [];
    const trained = await trainHead(
      job('ordinal', {
        options: { epochs: 2 },
        onBatch: (batch, count) => void batches.push([batch, count]),
        onEpoch: (result) => void epochs.push(result),
      }),
    );
    trained.head.dispose();
    // 120 rows in batches of 16: 8 batches per epoch; the one-cycle rate ends at peak/10⁴.
    expect(batches).toHaveLength(16);
    expect(batches.every(([, count]) => count === 8)).toBe(true);
    expect(epochs[1]!.learningRate).toBeCloseTo(0.01 / 1e4, 10);
  });
});

describe('early stopping', () => {
  it('stops once the metric has not improved for `patience` epochs', async () => {
    const epochs: EpochResult[] = [];
    const trained = await trainHead(
      job('ordinal', { options: { epochs: 10, earlyStoppingPatience: 2 }, metric: () => 0.5, onEpoch: (result) => void epochs.push(result) }),
    );
    trained.head.dispose();
    expect(trained.stoppedEarly).toBe(true);
    expect(epochs).toHaveLength(3);
    expect(trained.bestEpoch).toBe(1);
  });

  it('keeps the best epoch’s weights, not the last', async () => {
    const scripted = [0.1, 0.2, 0.8, 0.4, 0.3, 0.2];
    let calls = 0;
    const snapshots: HeadCheckpoint[] = [];
    const trained = await trainHead(
      job('ordinal', {
        options: { epochs: scripted.length, earlyStoppingPatience: 5 },
        metric: () => scripted[calls++]!,
        onEpoch: async (_, checkpoint) => void snapshots.push(await checkpoint()),
      }),
    );
    try {
      expect(trained.bestEpoch).toBe(3);
      expect(trained.stoppedEarly).toBe(false);
      const kept = weightsOf(trained.head);
      expect(maxDifference(kept, snapshots[2]!.weights)).toBe(0);
      expect(maxDifference(kept, snapshots.at(-1)!.weights)).toBeGreaterThan(1e-4);
      expect(snapshots.at(-1)!.best).toMatchObject({ epoch: 3, metric: 0.8 });
      expect(snapshots.at(-1)!.epochsWithoutImprovement).toBe(3);
    } finally {
      trained.head.dispose();
    }
  });
});

describe('resuming from a checkpoint', () => {
  it('ends with the same weights as training straight through', async () => {
    const epochs = 6;
    // Dropout is on and seeded (tfjs draws a seeded mask the same way on every call), batches are shuffled
    // with a seed per epoch, and the checkpoint carries Adam's moments and step: nothing else is random.
    const straightEpochs: EpochResult[] = [];
    const straight = await trainHead(job('ordinal', { options: { epochs }, onEpoch: (result) => void straightEpochs.push(result) }));
    const straightWeights = weightsOf(straight.head);
    straight.head.dispose();

    // An interrupted run: stopped after epoch 3, the checkpoint saved by onEpoch is all that survives.
    const interruption = new AbortController();
    let checkpoint: HeadCheckpoint | null = null;
    await expect(
      trainHead(
        job('ordinal', {
          options: { epochs },
          signal: interruption.signal,
          onEpoch: async (result, capture) => {
            if (result.epoch < 3) return;
            checkpoint = structuredClone(await capture());
            interruption.abort();
          },
        }),
      ),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(checkpoint!.epoch).toBe(3);
    expect(checkpoint!.optimizer.length).toBeGreaterThan(1);

    const resumedEpochs: EpochResult[] = [];
    const resumed = await trainHead(job('ordinal', { options: { epochs }, resume: checkpoint!, onEpoch: (result) => void resumedEpochs.push(result) }));
    try {
      expect(resumedEpochs.map((e) => e.epoch)).toEqual([4, 5, 6]);
      resumedEpochs.forEach((result, i) => {
        const reference = straightEpochs[3 + i]!;
        expect(result.trainLoss).toBeCloseTo(reference.trainLoss, 5);
        expect(result.validationLoss!).toBeCloseTo(reference.validationLoss!, 5);
        expect(result.learningRate).toBe(reference.learningRate);
      });
      expect(resumed.bestEpoch).toBe(straight.bestEpoch);
      expect(maxDifference(straightWeights, weightsOf(resumed.head).map((w) => Float32Array.from(w)))).toBeLessThan(1e-5);
    } finally {
      resumed.head.dispose();
    }
  });
});

describe('cancelling', () => {
  it('throws a cancelled GradedeskError when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await trainHead(job('softmax', { signal: controller.signal })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradedeskError);
    expect((error as GradedeskError).code).toBe('cancelled');
  });

  it('stops between batches when cancelled mid-epoch', async () => {
    const controller = new AbortController();
    let batchesSeen = 0;
    const error = await trainHead(
      job('softmax', {
        signal: controller.signal,
        onBatch: (batch) => {
          batchesSeen++;
          if (batch === 3) controller.abort();
        },
      }),
    ).catch((e: unknown) => e);
    expect((error as GradedeskError).code).toBe('cancelled');
    expect(batchesSeen).toBe(3);
  });

  it('refuses a fold without training rows', async () => {
    const empty = { ...job('softmax'), train: trainingRows(new Float32Array(0), DIM, [], 1, 'softmax', CLASSES, [1, 1, 1]) };
    await expect(trainHead(empty)).rejects.toMatchObject({ code: 'invalid' });
  });
});
