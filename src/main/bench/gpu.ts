// `npm run bench -- gpu`: the device check, in at most about 8 minutes on a GPU machine, installing
// nothing. It prints doctor, extraction through the pipeline against a bare predict, a fine-tuning step
// through the pipeline against a bare trainOnBatch on the same tensors, and then head-only against
// fine-tuning on the same patient-grouped folds of a real dataset (GRADEDESK_BENCH_DATASET): QWK,
// referable AUC and wall time, with a summary table last.
import path from 'node:path';
import { taskSpecFor } from '../../shared/domain';
import type { BackendInfo, TrainOptions } from '../../shared/ml';
import { createRandom } from '../util/random';
import { initBackend, tf } from '../ml/engine/backend';
import { DEFAULT_BACKBONE_ID } from '../ml/backbones/registry';
import { doctorLines } from '../ml/engine/doctor';
import { augmentedActivations, type ActivationContext } from '../ml/training/fine-tune/activations-cache';
import { fineTunePlan } from '../ml/training/fine-tune/context';
import { DEFAULT_PIXEL_AUGMENTATION } from '../ml/training/fine-tune/pixel-augmentation';
import { buildNetwork } from '../ml/training/fine-tune/network';
import { splitBackbone } from '../ml/training/fine-tune/split-backbone';
import { trainTop, unfrozenBlocksAt } from '../ml/training/fine-tune/train-top';
import { classWeights, trainingRows } from '../ml/training/head-data';
import { evaluateModel } from '../ml/evaluate/model-evaluation';
import { pixelTensor } from '../ml/features/pixel-batches';
import { modelReadyPixels, preprocessorFor } from '../ml/features/preprocessing';
import { runTraining } from '../ml/training/training-run';
import { prepareModel } from '../ml/training/training-snapshot';
import { Workspace } from '../app/workspace';
import { benchExtraction, extractionImages } from './extraction-pipeline';
import { printFigure, timed } from './measure';

const out = (line = '') => process.stdout.write(`${line}\n`);
const log = (line: string) => process.stderr.write(`[gpu] ${((performance.now() - startedAt) / 1000).toFixed(0)} s: ${line}\n`);
const startedAt = performance.now();
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Input size: the photographs' own size where the backbone takes it (eyepacs-dev-256 is 256 px). */
const SIZE = env('GRADEDESK_BENCH_GPU_SIZE', 256);
const FOLDS = env('GRADEDESK_BENCH_GPU_FOLDS', 3);
const UNFREEZE = env('GRADEDESK_BENCH_GPU_UNFREEZE', 4);
/** Seconds the fine-tuning run may take; its epochs are chosen from the probed step rate. */
const FINE_TUNE_SECONDS = env('GRADEDESK_BENCH_GPU_SECONDS', 240);
const PROBE_IMAGES = env('GRADEDESK_BENCH_GPU_PROBE_IMAGES', 64);
const EXTRACTION_IMAGES = env('GRADEDESK_BENCH_EXTRACT_IMAGES', 256);
const EXTRACTION_SIZES = (process.env.GRADEDESK_BENCH_GPU_EXTRACT_SIZES ?? '224,448').split(',').filter(Boolean).map(Number);

interface Row {
  what: string;
  qwk: number | null;
  auc: number | null;
  seconds: number;
  detail: string;
}

export async function benchGpu(scratch: string, dataset: string | null): Promise<void> {
  const backend = await initBackend();
  out('== doctor ==');
  doctorLines(backend).forEach((line) => out(line));
  out();
  const summary: string[] = [];

  out('== extraction: pipeline against bare predict ==');
  // Enough images that a GPU's batches take more than a blink.
  const images = await extractionImages(scratch, EXTRACTION_IMAGES);
  for (const size of EXTRACTION_SIZES) summary.push(...(await captured(() => benchExtraction(scratch, images, size, backend))));
  out();

  if (!dataset) {
    out('(head-only against fine-tuning skipped: set GRADEDESK_BENCH_DATASET to a folder with images/ and trainLabels.csv)');
    printSummary(summary, []);
    return;
  }
  const workspace = Workspace.open(path.join(scratch, 'gpu-real'));
  try {
    const label = path.basename(dataset);
    log(`importing ${label}`);
    const project = workspace.store.projects.create(label, taskSpecFor('dr-grade'));
    const imported = await timed(() => workspace.startImport({ project, folder: path.join(dataset, 'images'), labelsFile: path.join(dataset, 'trainLabels.csv') }).done);
    out(`== ${label}: ${imported.result.imported ?? '?'} images imported in ${imported.seconds.toFixed(1)} s ==`);
    const base: Partial<TrainOptions> = { inputSize: SIZE, validation: { kind: 'k-fold', folds: FOLDS }, seed: 1 };

    out('== a fine-tuning step: pipeline against bare trainOnBatch on the same tensors ==');
    const readable = workspace.store.images.readable(project.id).slice(0, PROBE_IMAGES);
    const probe = await probeTraining(workspace, readable, backend);
    summary.push(probe.line);

    const rows: Row[] = [];
    log('head-only run');
    const head = await trainAndEvaluate(workspace, project, { ...base, strategy: 'head' }, 'head only (cached features)');
    rows.push(head);
    const trainImages = Math.round(workspace.store.images.readable(project.id).length * (1 - 1 / FOLDS));
    const perEpoch = (FOLDS * trainImages) / probe.pipelineRate;
    const epochs = Math.max(3, Math.min(15, Math.floor(FINE_TUNE_SECONDS / (perEpoch * 1.3))));
    out(`fine-tuning plan: ${epochs} epochs × ${FOLDS} folds × ${trainImages} training images at ${probe.pipelineRate.toFixed(1)} img/s (probed) ≈ ${(epochs * perEpoch).toFixed(0)} s of steps`);
    log('fine-tuning run');
    rows.push(
      await trainAndEvaluate(
        workspace,
        project,
        { ...base, strategy: 'fine-tune', epochs, unfreezeBlocks: UNFREEZE, augmentations: [], earlyStoppingPatience: null },
        `fine-tune top ${UNFREEZE} blocks, ${epochs} epochs`,
      ),
    );
    printSummary(summary, rows);
  } finally {
    await workspace.close();
  }
}

async function trainAndEvaluate(workspace: Workspace, project: ReturnType<Workspace['store']['projects']['create']>, options: Partial<TrainOptions>, what: string): Promise<Row> {
  const modelId = prepareModel(workspace.store, workspace.engine.modelsDir, project, options);
  let phase = '';
  const { seconds } = await timed(() =>
    runTraining(workspace.engine, modelId, {
      onProgress: (progress) => {
        if (progress.phase !== phase) log(`${what}: ${(phase = progress.phase)}`);
      },
    }),
  );
  const model = workspace.store.models.get(modelId);
  const evaluation = evaluateModel(workspace.store, modelId);
  const epochSeconds = model.epochs.reduce((sum, e) => sum + e.seconds, 0);
  const row = {
    what,
    qwk: evaluation.qwk,
    auc: evaluation.referable?.auc ?? null,
    seconds,
    detail: `${model.options.head} head @${model.options.inputSize} px, ${evaluation.samples} out-of-fold images, ${model.epochs.length} fold-epochs in ${epochSeconds.toFixed(0)} s`,
  };
  out(`${what}: QWK ${fmt(row.qwk)}, referable AUC ${fmt(row.auc)}, wall ${seconds.toFixed(1)} s (${row.detail})`);
  for (const fold of model.fineTuneFolds) {
    out(`  fold ${fold.fold}: validation QWK warm head ${fmt(fold.warmHeadMetric)}, fine-tuned ${fmt(fold.fineTunedMetric)}, kept the ${fold.keptWarmHead ? 'warm head' : 'fine-tuned network'}`);
  }
  return row;
}

/**
 * Images/s of a fine-tuning step with every block unfrozen: through the pipeline (trainTop, pixels read
 * from the cache, augmented, lower backbone, top and head) against bare tfjs (the lower backbone on
 * preloaded pixel tensors, then trainOnBatch of the top and head). Warm-up steps are timed apart.
 */
async function probeTraining(workspace: Workspace, images: ReadonlyArray<{ sha256: string; path: string }>, backend: BackendInfo) {
  const engine = workspace.engine;
  const backbone = engine.backbones.get(DEFAULT_BACKBONE_ID);
  const split = await splitBackbone(backbone, await engine.backbones.modelJsonPath(backbone), SIZE, UNFREEZE);
  const context: ActivationContext = { cacheDir: engine.cacheDir, preprocessor: preprocessorFor('dr-grade'), split };
  const plan = fineTunePlan(backend, { batchSize: 32, inputSize: SIZE });
  const batch = plan.batchSize;
  const pixels = await Promise.all(images.map((image) => modelReadyPixels(context.cacheDir, context.preprocessor, SIZE, image)));
  const random = createRandom(3);
  const labels = images.map(() => random.int(0, 4));
  const targets = trainingRows(new Float32Array(images.length), 1, labels.map((label, id) => ({ id, sha256: images[id]!.sha256, label })), 1, 'ordinal', 5, classWeights(labels, 5, 'none'));
  const standardisation = { mean: new Array(1280).fill(0), std: new Array(1280).fill(1) };
  const steps = Math.ceil(images.length / batch);
  try {
    // Bare: one tf.LayersModel compiled with Adam, stepping on preloaded tensors.
    const bareNetwork = buildNetwork(await split.loadTop(), split.blocks, 'ordinal', 5, 1, standardisation);
    // The blocks that train in the pipeline's timed (last) epoch.
    const stage = unfrozenBlocksAt(2, 3, split.blocks.length);
    bareNetwork.unfreeze(stage);
    const optimizer = tf.train.adam(1e-4);
    bareNetwork.model.compile({ optimizer, loss: 'binaryCrossentropy' });
    const allPixels = pixelTensor(pixels, SIZE);
    const ys = tf.tensor2d(targets.targets, [images.length, targets.outputs]);
    const bareEpoch = async () => {
      for (let s = 0; s < steps; s++) {
        const from = s * batch;
        const to = Math.min(images.length, from + batch);
        const x = tf.tidy(() => split.lower(split.normalise(allPixels.slice([from], [to - from]) as tf.Tensor4D)));
        const y = ys.slice([from], [to - from]);
        await bareNetwork.model.trainOnBatch(x, y);
        tf.dispose([x, y]);
      }
    };
    const bareWarm = await timed(bareEpoch);
    const bare = await timed(bareEpoch);
    tf.dispose([allPixels, ys]);
    bareNetwork.dispose();
    optimizer.dispose();

    // Pipeline: trainTop with the run's pixel augmentation (or cached activations where the plan has none).
    const network = buildNetwork(await split.loadTop(), split.blocks, 'ordinal', 5, 1, standardisation);
    const stamps: number[] = [];
    const augmentation = plan.pixelAugmentation ?? DEFAULT_PIXEL_AUGMENTATION;
    try {
      // Twice: the first run compiles every stage's shaders; the second run's last epoch is timed.
      for (let run = 0; run < 2; run++) {
        await trainTop({
          kind: 'ordinal',
          classCount: 5,
          options: { epochs: 3, batchSize: batch, learningRate: 1e-3, schedule: 'constant', balancedSampling: false, earlyStoppingPatience: null, focalGamma: 2, backboneLearningRateFactor: 0.1 },
          seed: 1,
          network,
          train: { ...targets, input: (rows) => augmentedActivations(context, Array.from(rows, (r) => images[r]!), augmentation, random) },
          validation: null,
          metric: null,
          onEpoch: () => void stamps.push(performance.now()),
        });
      }
    } finally {
      network.dispose();
    }
    const pipelineSeconds = (stamps[5]! - stamps[4]!) / 1000;
    const pipelineRate = images.length / pipelineSeconds;
    const bareRate = images.length / bare.seconds;
    const figure = {
      name: `fine-tuning step @${SIZE} px on ${backend.backend}, batch ${batch}, top ${stage} of ${UNFREEZE} blocks + head (${images.length} images; pipeline: cached pixels, random flip/rotation/zoom/brightness/contrast, lower backbone, trainTop; warm-up epoch ${bareWarm.seconds.toFixed(1)} s bare, timed apart)`,
      value: pipelineRate,
      unit: 'images/s',
      baseline: { name: 'bare lower(predict) + trainOnBatch on preloaded pixel tensors', value: bareRate },
    };
    const lines = await captured(() => printFigure(figure));
    return { pipelineRate, bareRate, line: lines.join('\n') };
  } finally {
    split.dispose();
  }
}

/** Runs `work`, echoing and returning what it prints on stdout. */
async function captured(work: () => Promise<void> | void): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk).trimEnd());
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    await work();
  } finally {
    process.stdout.write = write;
  }
  return lines.filter(Boolean);
}

function printSummary(figures: string[], rows: Row[]): void {
  out();
  out('== summary ==');
  figures.forEach((line) => out(line));
  if (rows.length) {
    out(`${'model'.padEnd(44)} ${'QWK'.padStart(6)} ${'AUC≥2'.padStart(6)} ${'wall s'.padStart(8)}`);
    rows.forEach((row) => out(`${row.what.padEnd(44)} ${fmt(row.qwk).padStart(6)} ${fmt(row.auc).padStart(6)} ${row.seconds.toFixed(1).padStart(8)}`));
    if (rows.length === 2 && rows[0]!.qwk !== null && rows[1]!.qwk !== null) {
      const lift = rows[1]!.qwk - rows[0]!.qwk;
      out(`fine-tuning − head-only QWK: ${lift >= 0 ? '+' : ''}${lift.toFixed(3)} (goal ≥ +0.15: ${lift >= 0.15 ? 'met' : 'NOT met'})`);
    }
  }
  out(`total ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
}

const fmt = (value: number | null) => (value === null ? 'n/a' : value.toFixed(3));
