// Frozen feature extraction through ONNX Runtime against tfjs on the running backend, in the same run,
// on the same model-ready pixels (synthetic fundus photographs through the fundus preprocessing), and
// against a bare session.run on preloaded tensors.
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeDemoDataset } from '../demo/dataset';
import { loadFeatureExtractor } from '../ml/backbones/load';
import { extractNsfwjsModel } from '../ml/backbones/nsfwjs-bundle';
import { BUNDLED_BACKBONES, DEFAULT_BACKBONE_ID } from '../ml/backbones/registry';
import { initBackend } from '../ml/engine/backend';
import { computeFeatures } from '../ml/features/extract-features';
import { preprocessorFor } from '../ml/features/preprocessing';
import { ONNX_INPUT } from '../ml/onnx/export-layers-model';
import { loadOnnxFeatureExtractor } from '../ml/onnx/onnx-extractor';
import { loadOnnxRuntime, onnxThreads } from '../ml/onnx/runtime';
import { printFigure, timed } from './measure';

const SIZE = 224;
const DISTINCT_IMAGES = 16;
const IMAGES = 64;
const BATCH = 16;
const ROUNDS = 3;

const log = (line: string) => process.stderr.write(`[onnx] ${line}\n`);

async function imagesPerSecond(pixels: readonly Buffer[], extract: (batch: readonly Buffer[]) => Promise<unknown>): Promise<number> {
  await extract(pixels.slice(0, BATCH)); // warm-up
  const { seconds } = await timed(async () => {
    for (let start = 0; start < pixels.length; start += BATCH) await extract(pixels.slice(start, start + BATCH));
  });
  return pixels.length / seconds;
}

export async function benchOnnxExtraction(scratch: string): Promise<void> {
  const dir = path.join(scratch, 'onnx');
  const backbone = BUNDLED_BACKBONES.find((b) => b.id === DEFAULT_BACKBONE_ID)!;
  const modelJsonPath = await extractNsfwjsModel('mobilenet_v2', path.join(dir, 'backbones', backbone.id));
  log(`rendering ${DISTINCT_IMAGES} synthetic fundus photographs`);
  const demo = await writeDemoDataset(path.join(dir, 'demo'), { count: DISTINCT_IMAGES, seed: 21, minSize: 512, maxSize: 768 });
  const fundus = preprocessorFor('dr-grade');
  const distinct = await Promise.all(demo.images.map(async (image) => fundus.run(await fs.readFile(image.file), SIZE)));
  const pixels = Array.from({ length: IMAGES }, (_, i) => distinct[i % distinct.length]!);

  const backend = await initBackend();
  const tfjs = await loadFeatureExtractor(backbone, modelJsonPath, SIZE);
  log(`tfjs on ${backend.backend}`);
  const tfjsRate = await imagesPerSecond(pixels, (batch) => computeFeatures(tfjs, batch, ['original']));
  tfjs.dispose();

  const { seconds: exportSeconds } = await timed(() => loadOnnxFeatureExtractor(backbone, modelJsonPath, SIZE).then((e) => e.dispose()));
  const onnx = await loadOnnxFeatureExtractor(backbone, modelJsonPath, SIZE);
  log(`ONNX Runtime (${onnx.provider}); export and first load took ${exportSeconds.toFixed(1)} s`);
  const ort = await loadOnnxRuntime();
  // The bare baseline runs with the pipeline's own session options (provider, threads).
  const session = await ort.InferenceSession.create(onnx.onnxPath, { executionProviders: [onnx.provider], intraOpNumThreads: onnxThreads(), graphOptimizationLevel: 'all' });
  const preloaded = Array.from({ length: IMAGES / BATCH }, (_, b) => {
    const data = new Uint8Array(BATCH * SIZE * SIZE * 3);
    pixels.slice(b * BATCH, (b + 1) * BATCH).forEach((image, i) => data.set(image, i * SIZE * SIZE * 3));
    return new ort.Tensor('uint8', data, [BATCH, SIZE, SIZE, 3]);
  });
  const bare = async () => {
    for (const tensor of preloaded) await session.run({ [ONNX_INPUT]: tensor });
  };
  // Alternated and the best of each kept: the machine is shared, and a busy spell should not fall on one side only.
  let onnxRate = 0;
  let bareRate = 0;
  for (let round = 0; round < ROUNDS; round++) {
    onnxRate = Math.max(onnxRate, await imagesPerSecond(pixels, (batch) => onnx.features(batch)));
    await bare();
    bareRate = Math.max(bareRate, IMAGES / (await timed(bare)).seconds);
  }
  await session.release();
  await onnx.dispose();

  const what = `MobileNetV2 @${SIZE} px, ${IMAGES} model-ready fundus images, batches of ${BATCH}`;
  printFigure({ name: `feature extraction through ONNX Runtime (${onnx.provider}) (${what})`, value: onnxRate, unit: 'img/s', baseline: { name: `tfjs ${backend.backend}`, value: tfjsRate }, goal: '≥ 100 img/s', met: onnxRate >= 100 });
  printFigure({ name: `ONNX Runtime extraction through the pipeline against a bare session.run on preloaded tensors (${what}; best of ${ROUNDS}, alternated)`, value: onnxRate, unit: 'img/s', baseline: { name: 'bare session.run', value: bareRate }, goal: '≥ 0.9× bare', met: onnxRate >= 0.9 * bareRate });
}
