// Feature extraction from files to feature rows against a bare predict on preloaded batches of the same
// size, in one run: model-ready pixel preparation alone (on the calling thread as before this pool, on
// one pool worker, on a worker per core), the cold pipeline (empty cache: read, decode, preprocess,
// cache, backbone, feature rows), the warm pipeline (model-ready pixels cached) and the bare predict.
// `npm run bench -- extraction` runs it alone on the processor; `ml` and `gpu` run it too.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BackendInfo } from '../../shared/ml';
import { Workspace } from '../app/workspace';
import { writeDemoDataset } from '../demo/dataset';
import { DEFAULT_BACKBONE_ID } from '../ml/backbones/registry';
import { featureContext } from '../ml/engine/engine';
import { initBackend, tf } from '../ml/engine/backend';
import { ensureFeatures, type FeatureContext, type ImageSource } from '../ml/features/extract-features';
import { BATCH_SIZE, inPixelBatches, pixelTensor } from '../ml/features/pixel-batches';
import { inThreadPixels, PixelPool, type PixelSource } from '../ml/features/pixel-source';
import pixelWorkerScript from '../ml/features/pixel-worker?modulePath';
import { modelReadyPixels } from '../ml/features/preprocessing';
import { Store } from '../store';
import { percentile, printFigure, timed } from './measure';
import { libuvThreadPool } from '../util/thread-pool';

const RUNS = 3;
const env = (name: string, fallback: string) => process.env[name] || fallback;
const log = (line: string) => process.stderr.write(`[extraction] ${line}\n`);

/** Synthetic fundus JPEGs (GRADEDESK_BENCH_EXTRACT_PX, long side between two bounds) and their hashes. */
export async function extractionImages(scratch: string, count: number): Promise<ImageSource[]> {
  const [minSize, maxSize] = env('GRADEDESK_BENCH_EXTRACT_PX', '512,768').split(',').map(Number) as [number, number];
  log(`writing ${count} synthetic fundus photographs, ${minSize}-${maxSize} px`);
  const demo = await writeDemoDataset(path.join(scratch, `extraction-demo-${count}-${minSize}-${maxSize}`), { count, seed: 23, minSize, maxSize });
  return Promise.all(demo.images.map(async (image) => ({ sha256: crypto.createHash('sha256').update(await fs.readFile(image.file)).digest('hex'), path: image.file })));
}

/** `npm run bench -- extraction`: GRADEDESK_BENCH_EXTRACT_IMAGES images (48) at GRADEDESK_BENCH_EXTRACT_SIZES (224,448). */
export async function benchExtractionSection(scratch: string): Promise<void> {
  const backend = await initBackend();
  const images = await extractionImages(scratch, Number(env('GRADEDESK_BENCH_EXTRACT_IMAGES', '48')));
  for (const size of env('GRADEDESK_BENCH_EXTRACT_SIZES', '224,448').split(',').map(Number)) await benchExtraction(scratch, images, size, backend);
}

/** A store and a cache of their own, removed afterwards, so that every image is extracted (and, cold, decoded) again. */
async function withFreshStore<T>(dir: string, work: (store: Store) => Promise<T>): Promise<T> {
  await fs.mkdir(dir, { recursive: true });
  const store = Store.open(dir);
  try {
    return await work(store);
  } finally {
    store.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * The bare baseline: the same extractor on preloaded batches, features read back as the pipeline does
 * (through ONNX Runtime on preloaded pixels when the pipeline extracts through it).
 */
async function barePredict(context: FeatureContext, batches: readonly tf.Tensor4D[], pixelBatches: readonly Buffer[][]): Promise<void> {
  const { pixelFeatures } = context.extractor;
  if (pixelFeatures) {
    for (const pixels of pixelBatches) await pixelFeatures(pixels);
    return;
  }
  for (const batch of batches) {
    const output = tf.tidy(() => context.extractor.features(context.extractor.normalise(batch)));
    await output.data();
    output.dispose();
  }
}

export async function benchExtraction(scratch: string, images: readonly ImageSource[], size: number, backend: BackendInfo): Promise<void> {
  log(`${size} px: loading the backbone and warming up`);
  const setup = Workspace.open(path.join(scratch, `extract-${size}`));
  const base = await featureContext(setup.engine, DEFAULT_BACKBONE_ID, size, 'dr-grade');
  const batchSize = base.batchSize ?? BATCH_SIZE;
  const runtime = base.extractor.pixelFeatures ? 'ONNX Runtime' : `tfjs ${backend.backend}`;
  const oneWorker = new PixelPool(pixelWorkerScript, 1);
  const batches: tf.Tensor4D[] = [];
  const pixelBatches: Buffer[][] = [];
  let scratchRuns = 0;
  const freshDir = () => path.join(scratch, `extract-${size}-run-${++scratchRuns}`);
  try {
    // Warm-up: starts the engine's pool and compiles the backbone's kernels; it also leaves the
    // model-ready pixels in the setup cache, from which the baseline's tensors and the warm runs read.
    await ensureFeatures({ ...base, features: setup.store.features }, images, ['original']);
    for (let i = 0; i < images.length; i += batchSize) {
      const pixels = await Promise.all(images.slice(i, i + batchSize).map((image) => modelReadyPixels(setup.cacheDir, base.preprocessor, size, image)));
      batches.push(pixelTensor(pixels, size));
      pixelBatches.push(pixels);
    }
    await barePredict(base, batches, pixelBatches);
    await oneWorker.modelReadyPixels(freshDir(), base.preprocessor, size, images[0]!);

    /** Model-ready pixels of every image into an empty cache, batched as the pipeline does, with no backbone. */
    const prepareOnly = async (pixels: PixelSource) => {
      const dir = freshDir();
      const options = { cacheDir: dir, preprocessor: base.preprocessor, size, pixels, batchSize, phase: 'bench', cancelledMessage: '' };
      const { seconds } = await timed(() => inPixelBatches(images, options, () => {}));
      await fs.rm(dir, { recursive: true, force: true });
      return seconds;
    };
    const pipeline = async (cache: 'cold' | 'warm') => {
      const dir = freshDir();
      const { result, seconds } = await withFreshStore(dir, (store) =>
        timed(() => ensureFeatures({ ...base, features: store.features, cacheDir: cache === 'cold' ? path.join(dir, 'cache') : setup.cacheDir }, images, ['original'])),
      );
      if (result.extracted !== images.length) throw new Error(`The pipeline extracted ${result.extracted} of ${images.length} images (${result.failed.length} failed).`);
      return seconds;
    };
    const sides = {
      bare: () => timed(() => barePredict(base, batches, pixelBatches)).then((t) => t.seconds),
      coldPipeline: () => pipeline('cold'),
      warmPipeline: () => pipeline('warm'),
      prepareCallingThread: () => prepareOnly(inThreadPixels),
      prepareOneWorker: () => prepareOnly(oneWorker),
      prepareAllWorkers: () => prepareOnly(setup.engine.pixels),
    };
    // Alternate the sides and keep the median of three runs each: the machine may be shared and noisy.
    const seconds = Object.fromEntries(Object.keys(sides).map((side) => [side, [] as number[]])) as Record<keyof typeof sides, number[]>;
    for (let run = 1; run <= RUNS; run++) {
      for (const [side, measure] of Object.entries(sides)) seconds[side as keyof typeof sides].push(await measure());
    }
    const rate = (side: keyof typeof sides) => images.length / percentile(seconds[side], 50);
    const bare = { name: `bare ${base.extractor.backbone.id} features on preloaded batches (${runtime})`, value: rate('bare') };
    const libuvThreads = libuvThreadPool().size;
    process.stdout.write(
      `feature extraction @${size} px through ${runtime}, batches of ${batchSize}: ${images.length} synthetic fundus JPEGs (decode, crop, ` +
        `Ben Graham, model-input cache), view original, median of ${RUNS}; ${os.availableParallelism()} cores, libuv thread pool ${libuvThreads} ` +
        `(sharp's pipelines in every thread share it; UV_THREADPOOL_SIZE at launch raises it)\n`,
    );
    const figure = (name: string, side: keyof typeof sides, goal?: string) =>
      printFigure({ name: `  ${name}`, value: rate(side), unit: 'images/s', baseline: bare, ...(goal ? { goal, met: rate(side) / bare.value >= 0.9 } : {}) });
    figure('preparation only, on the engine thread (before the pool)', 'prepareCallingThread');
    figure('preparation only, pool of 1 worker', 'prepareOneWorker');
    figure(`preparation only, pool of ${setup.engine.pixels.parallel} workers`, 'prepareAllWorkers');
    figure('pipeline, cold (empty cache)', 'coldPipeline', 'ratio >= 0.9');
    figure('pipeline, warm (model-ready pixels cached)', 'warmPipeline', 'ratio >= 0.9');
  } finally {
    tf.dispose(batches);
    base.extractor.dispose();
    await oneWorker.close();
    await setup.close();
  }
}
