// The learning-rate finder (Smith 2017, fastai's lr_find): train a fresh head for one sweep of
// geometrically growing rates and record the smoothed loss; training is fastest a little below the
// rate where the loss is lowest.
import type { Project } from '../../../shared/domain';
import type { Progress } from '../../../shared/jobs';
import type { LearningRateFinding, TrainOptions } from '../../../shared/ml';
import { GradedeskError } from '../../../shared/errors';
import { ProgressMeter } from '../../jobs/progress';
import { createRandom } from '../../util/random';
import { tf } from '../engine/backend';
import { featureContext, type Engine } from '../engine/engine';
import { ensureFeatures, extractorKey } from '../features/extract-features';
import { classWeights, featureRows, standardise, standardisationOf, trainingRows } from './head-data';
import { buildHead, lossPerSample } from './heads';
import { learningRateSweep, suggestLearningRate } from './schedules';
import { resolveOptions, trainableImages } from './training-snapshot';
import { trainingViews } from '../features/views';

const STEPS = 100;

export async function findLearningRate(
  engine: Engine,
  project: Project,
  requested: Partial<TrainOptions>,
  control: { signal?: AbortSignal; onProgress?: (progress: Progress) => void } = {},
): Promise<LearningRateFinding> {
  const options = resolveOptions(project, requested);
  const images = trainableImages(engine.store.images.readable(project.id));
  if (images.length < 10) throw new GradedeskError('invalid', `The learning-rate finder needs at least 10 graded images; ${project.name} has ${images.length}.`);
  const context = await featureContext(engine, options.backboneId, options.inputSize, project.task.kind, { features: options.features });
  try {
    const views = trainingViews(options.augmentations);
    const extraction = await ensureFeatures(context, images, views, control);
    const failed = new Set(extraction.failed.map((f) => f.sha256));
    const usable = images.filter((image) => !failed.has(image.sha256));
    const dim = context.extractor.featureDim;
    const classCount = project.task.classes.length;
    const raw = featureRows(engine.store.features, extractorKey(context), dim, usable, views);
    const weights = classWeights(usable.map((i) => i.label), classCount, options.classWeights);
    const rows = trainingRows(standardise(raw, standardisationOf(raw, dim)), dim, usable, views.length, options.head, classCount, weights);
    const count = rows.strata.length;
    const head = buildHead(options.head, dim, classCount, options.seed);
    const optimizer = tf.train.adam(1e-7);
    const x = tf.tensor2d(rows.x, [count, dim]);
    const targets = tf.tensor2d(rows.targets, [count, rows.outputs]);
    const sampleWeights = tf.tensor1d(rows.weights);
    const random = createRandom(options.seed);
    const meter = new ProgressMeter('Finding the learning rate', STEPS);
    const points: LearningRateFinding['points'] = [];
    let average = 0;
    let lowest = Infinity;
    try {
      for (const [step, learningRate] of learningRateSweep(1e-6, 1, STEPS).entries()) {
        if (control.signal?.aborted) throw new GradedeskError('cancelled', 'The learning-rate finder was cancelled.');
        (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
        const batch = tf.tensor1d(Int32Array.from({ length: Math.min(options.batchSize, count) }, () => Math.floor(random.next() * count)), 'int32');
        const loss = optimizer.minimize(() => {
          const outputs = head.apply(tf.gather(x, batch), { training: true }) as tf.Tensor2D;
          const perSample = lossPerSample(options.head, tf.gather(targets, batch) as tf.Tensor2D, outputs, options.focalGamma);
          const w = tf.gather(sampleWeights, batch);
          return tf.div(tf.sum(tf.mul(perSample, w)), tf.maximum(tf.sum(w), 1e-6)) as tf.Scalar;
        }, true)!;
        const value = (await loss.data())[0]!;
        tf.dispose([loss, batch]);
        // Exponential moving average, debiased, as fastai plots it.
        average = 0.9 * average + 0.1 * value;
        const smoothed = average / (1 - 0.9 ** (step + 1));
        points.push({ learningRate, loss: smoothed });
        lowest = Math.min(lowest, smoothed);
        meter.done = step + 1;
        control.onProgress?.(meter.snapshot());
        if (!Number.isFinite(smoothed) || smoothed > 4 * lowest) break;
      }
    } finally {
      tf.dispose([x, targets, sampleWeights]);
      head.dispose();
      optimizer.dispose();
    }
    return { points, suggested: suggestLearningRate(points) };
  } finally {
    context.extractor.dispose();
  }
}
