// The training engine's figures: feature extraction through the pipeline against the bare backbone
// (extraction-pipeline.ts),
// head training against a bare tfjs fit, and (when the dataset is present) a full cross-validated
// training run on real fundus photographs.
import path from 'node:path';
import { taskSpecFor } from '../../shared/domain';
import { defaultTrainOptions, type BackendInfo } from '../../shared/ml';
import { createRandom } from '../util/random';
import { initBackend, tf } from '../ml/engine/backend';
import { classWeights, trainingRows } from '../ml/training/head-data';
import { buildHead } from '../ml/training/heads';
import { evaluateModel } from '../ml/evaluate/model-evaluation';
import { trainHead } from '../ml/training/train-head';
import { runTraining } from '../ml/training/training-run';
import { prepareModel } from '../ml/training/training-snapshot';
import { Workspace } from '../app/workspace';
import { benchExtraction, extractionImages } from './extraction-pipeline';
import { percentile, printFigure, timed } from './measure';

const RUNS = 3;
const EXTRACTION_IMAGES = 48;
const HEAD_ROWS = 3000;
const HEAD_DIM = 1280;
const HEAD_CLASSES = 5;
const HEAD_EPOCHS = 5;
const HEAD_BATCH = 32;

const log = (line: string) => process.stderr.write(`[ml] ${line}\n`);

function describeBackend(backend: BackendInfo): string {
  const simd = backend.simd === null ? '' : backend.simd ? ', SIMD' : ', no SIMD';
  return `${backend.backend} (${backend.package}${simd}, ${backend.threads} thread${backend.threads === 1 ? '' : 's'})`;
}

/** Features that carry the grade in a few dimensions, standardised like the engine's. */
function syntheticHeadData(): { x: Float32Array; labels: number[] } {
  const random = createRandom(11);
  const labels = Array.from({ length: HEAD_ROWS }, () => random.pick([0, 0, 0, 1, 1, 2, 2, 3, 4]));
  const x = new Float32Array(HEAD_ROWS * HEAD_DIM);
  labels.forEach((grade, r) => {
    for (let d = 0; d < HEAD_DIM; d++) x[r * HEAD_DIM + d] = random.normal(d < 64 ? 0.25 * (grade - 1.5) : 0, 1);
  });
  return { x, labels };
}

async function benchHeadTraining(backend: BackendInfo): Promise<void> {
  log(`head training: ${HEAD_ROWS} rows × ${HEAD_DIM} features, ${HEAD_EPOCHS} epochs per run`);
  const { x, labels } = syntheticHeadData();
  const options = { ...defaultTrainOptions('dr-grade'), head: 'ordinal' as const, batchSize: HEAD_BATCH, earlyStoppingPatience: null };
  const images = labels.map((label, id) => ({ id, sha256: String(id), label }));
  const rows = trainingRows(x, HEAD_DIM, images, 1, 'ordinal', HEAD_CLASSES, classWeights(labels, HEAD_CLASSES, options.classWeights));

  const pipeline = async (epochs: number) => {
    const trained = await trainHead({ kind: 'ordinal', classCount: HEAD_CLASSES, options: { ...options, epochs }, seed: 1, train: rows, validation: null, metric: null });
    trained.head.dispose();
  };
  const xs = tf.tensor2d(x, [HEAD_ROWS, HEAD_DIM]);
  const ys = tf.tensor2d(rows.targets, [HEAD_ROWS, rows.outputs]);
  const bareFit = async (epochs: number) => {
    const head = buildHead('ordinal', HEAD_DIM, HEAD_CLASSES, 1);
    const optimizer = tf.train.adam(options.learningRate);
    head.compile({ optimizer, loss: 'binaryCrossentropy' });
    await head.fit(xs, ys, { batchSize: HEAD_BATCH, epochs, shuffle: true, verbose: 0 });
    head.dispose();
    optimizer.dispose();
  };
  try {
    await pipeline(1);
    await bareFit(1);
    const baselineSeconds: number[] = [];
    const pipelineSeconds: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      baselineSeconds.push((await timed(() => bareFit(HEAD_EPOCHS))).seconds);
      pipelineSeconds.push((await timed(() => pipeline(HEAD_EPOCHS))).seconds);
    }
    const samples = HEAD_ROWS * HEAD_EPOCHS;
    const baseline = samples / percentile(baselineSeconds, 50);
    const trained = samples / percentile(pipelineSeconds, 50);
    printFigure({
      name:
        `head training on ${backend.backend} (trainHead, ordinal, ${HEAD_ROWS} rows × ${HEAD_DIM}-d synthetic features, ${HEAD_CLASSES} grades, ` +
        `batch ${HEAD_BATCH}, ${HEAD_EPOCHS} epochs, one-cycle, class weights, no validation; median of ${RUNS})`,
      value: trained,
      unit: 'samples/s',
      baseline: { name: 'bare tfjs fit of the same head (adam, binaryCrossentropy)', value: baseline },
      goal: 'ratio >= 0.8',
      met: trained / baseline >= 0.8,
    });
  } finally {
    tf.dispose([xs, ys]);
  }
}

const format = (value: number | null | undefined, digits = 3) => (value === null || value === undefined ? 'n/a' : value.toFixed(digits));

async function benchRealTraining(scratch: string, dataset: string, backend: BackendInfo): Promise<void> {
  const inputSize = Number(process.env.GRADEDESK_BENCH_ML_SIZE ?? 224);
  const label = path.basename(dataset);
  const workspace = Workspace.open(path.join(scratch, 'ml-real'));
  try {
    log(`real data: importing ${label}`);
    const project = workspace.store.projects.create(label, taskSpecFor('dr-grade'));
    const imported = await timed(
      () => workspace.startImport({ project, folder: path.join(dataset, 'images'), labelsFile: path.join(dataset, 'trainLabels.csv') }).done,
    );
    const modelId = prepareModel(workspace.store, workspace.engine.modelsDir, project, { inputSize, validation: { kind: 'k-fold', folds: 5 } });
    const { options } = workspace.store.models.get(modelId);

    // Wall time by phase: extraction until the first training progress, training until the last.
    log(`real data: training model ${modelId} (${options.backboneId} @${inputSize}, ${options.head} head, 5 folds by patient)`);
    const started = performance.now();
    let trainingFrom: number | null = null;
    let trainingUntil: number | null = null;
    let phase = '';
    const { seconds: wall } = await timed(() =>
      runTraining(workspace.engine, modelId, {
        onProgress: (progress) => {
          const now = performance.now();
          if (progress.training) {
            trainingFrom ??= now;
            trainingUntil = now;
          }
          if (progress.phase !== phase) {
            phase = progress.phase;
            log(`real data: ${phase} (${progress.total} to do) at ${((now - started) / 1000).toFixed(0)} s`);
          }
        },
      }),
    );
    const extractionSeconds = ((trainingFrom ?? started) - started) / 1000;
    const trainingSeconds = ((trainingUntil ?? started) - (trainingFrom ?? started)) / 1000;
    const restSeconds = wall - extractionSeconds - trainingSeconds;

    const model = workspace.store.models.get(modelId);
    const evaluation = evaluateModel(workspace.store, modelId, 0.5);
    const referable = evaluation.referable;
    const stoppedAt = [1, 2, 3, 4, 5].map((fold) => Math.max(0, ...model.epochs.filter((e) => e.fold === fold).map((e) => e.epoch)));
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(
      `real data, ${label}: ${model.trainingImages} graded images imported in ${imported.seconds.toFixed(1)} s; ` +
        `${options.backboneId} @${inputSize} on ${backend.backend}, ${options.head} head, views ${['original', ...options.augmentations].join('+')}, ` +
        `${options.validation.kind === 'k-fold' ? options.validation.folds : 1} folds grouped by patient, up to ${options.epochs} epochs (stopped at ${stoppedAt.join('/')})`,
    );
    out(`  QWK: ${format(evaluation.qwk)}`);
    out(`  referable DR (grade >= 2) AUC: ${format(referable?.auc)}`);
    out(
      `  referable sensitivity / specificity at P(referable) >= ${referable?.threshold ?? 0.5}: ${format(referable?.sensitivity)} / ${format(referable?.specificity)}` +
        ` (${referable?.positives ?? 0} referable, ${referable?.negatives ?? 0} not)`,
    );
    out(`  balanced accuracy: ${format(evaluation.balancedAccuracy)}`);
    out(`  samples: ${evaluation.samples}, groups (patients): ${evaluation.groups}`);
    out(
      `  wall time: ${wall.toFixed(1)} s = feature extraction ${extractionSeconds.toFixed(1)} s + head training ${trainingSeconds.toFixed(1)} s` +
        ` + evaluation and predictions ${restSeconds.toFixed(1)} s`,
    );
    out(
      `  These are ${evaluation.basis} figures: each image was graded by the fold head that never saw its patient, ` +
        'so they measure the model on patients it did not train on.',
    );
  } finally {
    await workspace.close();
  }
}

export async function benchMl(scratch: string, dataset: string | null): Promise<void> {
  const backend = await initBackend();
  const absent = backend.backend === 'wasm' || backend.backend === 'cpu' ? `; native backends absent: ${backend.notes.filter((n) => n.includes('tfjs-node')).join(' ')}` : '';
  process.stdout.write(`ML engine on ${describeBackend(backend)}${absent}\n`);

  const images = await extractionImages(scratch, EXTRACTION_IMAGES);
  await benchExtraction(scratch, images, 224, backend);
  await benchExtraction(scratch, images, 128, backend);
  await benchHeadTraining(backend);
  if (dataset) await benchRealTraining(scratch, dataset, backend);
}
