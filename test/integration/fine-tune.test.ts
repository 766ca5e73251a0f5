// Fine-tuning the bundled MobileNetV2's top blocks, on the pure-JavaScript cpu backend at 96 px (the
// one backend here with convolution gradients): the split is exact, training moves only the unfrozen
// blocks at the backbone's lower rate, one block more per share of the epochs, resumes from a
// checkpoint, and a whole run gives a model that predicts.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoDataset, type DemoManifest } from '../../src/main/demo/dataset';
import { initBackend, tf } from '../../src/main/ml/engine/backend';
import { fileModelHandler } from '../../src/main/ml/backbones/file-handler';
import { loadFeatureExtractor } from '../../src/main/ml/backbones/load';
import { DEFAULT_BACKBONE_ID } from '../../src/main/ml/backbones/registry';
import { ensureActivations, readActivations, type ActivationContext } from '../../src/main/ml/training/fine-tune/activations-cache';
import { fineTuneAvailable } from '../../src/main/ml/training/fine-tune/context';
import { buildNetwork, foldModelParts, pooledFeatures } from '../../src/main/ml/training/fine-tune/network';
import { splitBackbone, type BackboneSplit } from '../../src/main/ml/training/fine-tune/split-backbone';
import { trainTop, unfrozenBlocksAt, type FineTuneEpoch, type TopTraining } from '../../src/main/ml/training/fine-tune/train-top';
import { headStandardisation, trainingRows, type LabelledImage } from '../../src/main/ml/training/head-data';
import { lossPerSample } from '../../src/main/ml/training/heads';
import { openGradCamSession, renderGradCams } from '../../src/main/ml/explain/gradcam-render';
import { readManifest } from '../../src/main/ml/models/model-files';
import { predictProject } from '../../src/main/ml/models/predict';
import { preprocessorFor } from '../../src/main/ml/features/preprocessing';
import type { HeadCheckpoint } from '../../src/main/ml/training/epoch-driver';
import { runTraining } from '../../src/main/ml/training/training-run';
import { prepareModel } from '../../src/main/ml/training/training-snapshot';
import { Workspace } from '../../src/main/app/workspace';
import { taskSpecFor, type Project } from '../../src/shared/domain';
import { GradedeskError } from '../../src/shared/errors';
import { defaultTrainOptions, type TrainOptions } from '../../src/shared/ml';
import { createRandom } from '../../src/main/util/random';
import { augmentPixels, DEFAULT_PIXEL_AUGMENTATION, transformOf } from '../../src/main/ml/training/fine-tune/pixel-augmentation';
import { fineTuneFold } from '../../src/main/ml/training/fine-tune/train-fold';

const SIZE = 96;
const CLASSES = 5;

let root: string;
let workspace: Workspace;
let modelJsonPath: string;
let demo: DemoManifest;
let images: Array<LabelledImage & { path: string }>;
const backendBefore = process.env.GRADEDESK_BACKEND;

beforeAll(async () => {
  // The cpu backend, whatever else is installed: the test is about gradients, which wasm lacks.
  process.env.GRADEDESK_BACKEND = 'cpu';
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-fine-tune-'));
  workspace = Workspace.open(path.join(root, 'data'));
  modelJsonPath = await workspace.engine.backbones.modelJsonPath(workspace.engine.backbones.get(DEFAULT_BACKBONE_ID));
  demo = await writeDemoDataset(path.join(root, 'photos'), { count: 12, seed: 5, minSize: 128, maxSize: 192 });
  images = demo.images.map((image, id) => ({
    id,
    sha256: createHash('sha256').update(fs.readFileSync(image.file)).digest('hex'),
    label: image.grade,
    path: image.file,
  }));
}, 120_000);

afterAll(async () => {
  if (backendBefore === undefined) delete process.env.GRADEDESK_BACKEND;
  else process.env.GRADEDESK_BACKEND = backendBefore;
  await workspace?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const backbone = () => workspace.engine.backbones.get(DEFAULT_BACKBONE_ID);
const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((max, value, i) => Math.max(max, Math.abs(value - b[i]!)), 0);

describe('splitting the backbone', () => {
  it.each([
    { blocks: 1, cut: 'block_15_add', shape: [3, 3, 160] },
    { blocks: 2, cut: 'block_14_add', shape: [3, 3, 160] },
    { blocks: 4, cut: 'block_12_add', shape: [6, 6, 96] },
  ])('gives the full backbone’s out_relu maps through top(lower(x)) with $blocks top blocks', async ({ blocks, cut, shape }) => {
    const split = await splitBackbone(backbone(), modelJsonPath, SIZE, blocks);
    const full = await loadFeatureExtractor(backbone(), modelJsonPath, SIZE);
    const top = await split.loadTop();
    try {
      expect(split.cutLayer).toBe(cut);
      expect(split.cutShape).toEqual(shape);
      expect(split.blocks.map((b) => b.name)).toEqual(Array.from({ length: blocks }, (_, i) => `block_${16 - i}`));
      // The layers after the last block train with the topmost one.
      expect(split.blocks[0]!.layers).toEqual(expect.arrayContaining(['block_16_project_BN', 'Conv_1', 'Conv_1_bn', 'out_relu']));
      const pixels = tf.randomUniform([3, SIZE, SIZE, 3], 0, 255, 'float32', 7) as tf.Tensor4D;
      const input = full.normalise(pixels);
      const expected = full.maps(input);
      const cutActivations = split.lower(input);
      const actual = top.apply(cutActivations, { training: false }) as tf.Tensor4D;
      expect(actual.shape).toEqual([3, 3, 3, 1280]);
      expect(tf.max(expected).dataSync()[0]).toBeGreaterThan(1); // not a degenerate all-zero comparison
      expect(maxDifference(actual.dataSync() as Float32Array, expected.dataSync() as Float32Array)).toBeLessThan(1e-4);
      tf.dispose([pixels, input, expected, cutActivations, actual]);
    } finally {
      top.dispose();
      full.dispose();
      split.dispose();
    }
  });

  it('refuses to unfreeze every block or none', async () => {
    await expect(splitBackbone(backbone(), modelJsonPath, SIZE, 0)).rejects.toThrow(/Unfreeze between 1 and 15/);
    await expect(splitBackbone(backbone(), modelJsonPath, SIZE, 17)).rejects.toThrow(GradedeskError);
  });

  it('unfreezes one block more per equal share of the epochs', () => {
    expect(Array.from({ length: 30 }, (_, e) => unfrozenBlocksAt(e, 30, 2))).toEqual([...Array(10).fill(0), ...Array(10).fill(1), ...Array(10).fill(2)]);
    expect([0, 1, 2].map((e) => unfrozenBlocksAt(e, 3, 2))).toEqual([0, 1, 2]);
    expect([0, 1].map((e) => unfrozenBlocksAt(e, 2, 1))).toEqual([0, 1]);
  });
});

describe('training the top blocks with the head', () => {
  let split: BackboneSplit;
  let context: ActivationContext;

  beforeAll(async () => {
    split = await splitBackbone(backbone(), modelJsonPath, SIZE, 2);
    context = { cacheDir: path.join(root, 'cache'), preprocessor: preprocessorFor('dr-grade'), split };
    const first = await ensureActivations(context, images, ['original']);
    expect(first).toMatchObject({ extracted: 12, cached: 0, failed: [] });
    expect(await ensureActivations(context, images, ['original'])).toMatchObject({ extracted: 0, cached: 12 });
  }, 60_000);

  afterAll(() => split?.dispose());

  const OPTIONS: TopTraining['options'] = {
    epochs: 3,
    batchSize: 32,
    learningRate: 0.003,
    schedule: 'constant',
    balancedSampling: false,
    earlyStoppingPatience: null,
    focalGamma: 0,
    backboneLearningRateFactor: 0.1,
  };

  /** A network on the pretrained top (`blocks` of it unfreezable) and a training job over `subset`'s original views. */
  async function setUp(subset: typeof images, overrides: Partial<TopTraining> = {}, blocks = split.blocks) {
    const top = await split.loadTop();
    const keys = subset.map((image) => ({ sha256: image.sha256, view: 'original' as const }));
    const x = readActivations(context, keys);
    const pooled = pooledFeatures(top, x);
    const features = pooled.dataSync() as Float32Array;
    const network = buildNetwork(top, blocks, 'ordinal', CLASSES, 3, headStandardisation(features, 1280));
    const { x: _x, dim: _dim, ...rows } = trainingRows(features, 1280, subset, 1, 'ordinal', CLASSES, Array(CLASSES).fill(1));
    const job: TopTraining = {
      kind: 'ordinal',
      classCount: CLASSES,
      options: OPTIONS,
      seed: 3,
      network,
      train: { ...rows, input: (batch) => readActivations(context, Array.from(batch, (row) => keys[row]!)) },
      validation: null,
      metric: null,
      ...overrides,
    };
    /** Mean loss over the rows with dropout off, so that it does not depend on chance. */
    const loss = () =>
      tf.tidy(() => tf.mean(lossPerSample('ordinal', tf.tensor2d(rows.targets, [subset.length, CLASSES]), network.forward(x, false), 0)).dataSync()[0]!);
    const dispose = () => {
      tf.dispose([x, pooled]);
      network.dispose();
    };
    return { network, job, loss, dispose };
  }

  /** Weight values by name (block_16_expand/kernel, hidden/kernel, …), copied. */
  const weightsOf = (model: tf.LayersModel) => new Map(model.weights.map((w) => [w.originalName, (w.read().dataSync() as Float32Array).slice()]));
  const change = (before: Map<string, Float32Array>, after: Map<string, Float32Array>, names: string[]) =>
    Math.max(...names.map((name) => maxDifference(before.get(name)!, after.get(name)!)));

  it('trains the head alone, then the top block, then the next, at a tenth of the head’s rate, with BatchNorm statistics frozen', async () => {
    const { network, job, loss, dispose } = await setUp(images);
    try {
      const names = [...weightsOf(network.model).keys()];
      const ofLayers = (prefixes: string[], kinds = /./) => names.filter((n) => prefixes.some((p) => n.startsWith(p)) && kinds.test(n));
      const trainable = /kernel|gamma|beta|bias/;
      const block16 = ofLayers(['block_16_', 'Conv_1'], trainable);
      const block15 = ofLayers(['block_15_'], trainable);
      const statistics = ofLayers(['block_', 'Conv_1'], /moving_/);
      const head = ofLayers(['hidden/', 'output/']);
      expect(block16.length).toBeGreaterThan(8);
      expect(block15.length).toBeGreaterThan(8);
      expect(statistics.length).toBeGreaterThan(8);

      const snapshots = [weightsOf(network.model)];
      const epochs: FineTuneEpoch[] = [];
      let checkpoint: HeadCheckpoint | null = null;
      const lossBefore = loss();
      await trainTop({
        ...job,
        onEpoch: async (result, capture) => {
          epochs.push(result);
          snapshots.push(weightsOf(network.model));
          if (result.epoch === 2) checkpoint = await capture();
        },
      });
      const lr = OPTIONS.learningRate;
      const backboneLr = lr * OPTIONS.backboneLearningRateFactor;

      expect(epochs.map((e) => e.trainableBlocks)).toEqual([[], ['block_16'], ['block_16', 'block_15']]);
      // One full batch per epoch: Adam's first step moves each weight by the learning rate (times the sign of its gradient).
      expect(change(snapshots[0]!, snapshots[1]!, head)).toBeCloseTo(lr, 4);
      expect(change(snapshots[0]!, snapshots[1]!, [...block16, ...block15])).toBe(0);
      expect(change(snapshots[1]!, snapshots[2]!, block16)).toBeCloseTo(backboneLr, 5);
      expect(change(snapshots[1]!, snapshots[2]!, block15)).toBe(0);
      expect(change(snapshots[2]!, snapshots[3]!, block15)).toBeCloseTo(backboneLr, 5);
      // A new stage starts a new backbone optimizer: block_16 takes a first step again.
      expect(change(snapshots[2]!, snapshots[3]!, block16)).toBeCloseTo(backboneLr, 5);
      expect(change(snapshots[0]!, snapshots[3]!, statistics)).toBe(0);

      expect(loss()).toBeLessThan(lossBefore * 0.9);
      // The checkpoint of a backbone epoch holds both optimizers' state.
      const saved = checkpoint as HeadCheckpoint | null;
      expect(saved!.weights).toHaveLength(names.length);
      expect(saved!.optimizer.some((o) => o.name.startsWith('head:'))).toBe(true);
      expect(saved!.optimizer.some((o) => o.name.startsWith('backbone:block_16'))).toBe(true);
      console.info(`cpu, ${SIZE} px, 12 images per full batch: ${epochs.map((e) => `${e.trainableBlocks.length} blocks ${e.seconds.toFixed(1)} s`).join(', ')}`);
    } finally {
      dispose();
    }
  }, 150_000);

  it('resumes from a checkpoint to the same weights as a run that was never stopped', async () => {
    // Four epochs, one block: the block trains in epochs 3 and 4, so the resumed epoch needs the backbone optimizer's state.
    const subset = images.slice(0, 4);
    const options = { ...OPTIONS, epochs: 4, schedule: 'one-cycle' as const };
    const whole = await setUp(subset, { options }, split.blocks.slice(0, 1));
    const stopped = await setUp(subset, { options }, split.blocks.slice(0, 1));
    try {
      const initial = weightsOf(whole.network.model);
      let checkpoint: HeadCheckpoint | null = null;
      await trainTop({ ...whole.job, onEpoch: async (result, capture) => void (result.epoch === 3 && (checkpoint = await capture())) });
      const resumedEpochs: FineTuneEpoch[] = [];
      await trainTop({ ...stopped.job, resume: checkpoint!, onEpoch: (result) => void resumedEpochs.push(result) });
      expect(resumedEpochs.map((e) => [e.epoch, e.trainableBlocks])).toEqual([[4, ['block_16']]]);
      const a = weightsOf(whole.network.model);
      const b = weightsOf(stopped.network.model);
      expect(Math.max(...[...a.keys()].map((name) => maxDifference(a.get(name)!, b.get(name)!)))).toBeLessThan(1e-6);
      expect(change(initial, a, [...a.keys()].filter((n) => n.startsWith('block_16_')))).toBeGreaterThan(0);
      expect(change(initial, a, [...a.keys()].filter((n) => n.startsWith('block_15_')))).toBe(0);
    } finally {
      whole.dispose();
      stopped.dispose();
    }
  }, 120_000);
});

describe('fine-tuning with pixels augmented at every step (as on a GPU)', () => {
  it('keeps the tensor count and memory flat across epochs, and frees everything it made', async () => {
    const split = await splitBackbone(backbone(), modelJsonPath, SIZE, 2);
    const context: ActivationContext = { cacheDir: path.join(root, 'cache'), preprocessor: preprocessorFor('dr-grade'), split };
    try {
      const subset = images.slice(0, 6);
      await ensureActivations(context, subset, ['original', 'flip-h']);
      const before = tf.memory().numTensors;
      const memory: Array<{ numTensors: number; numBytes: number }> = [];
      // 6 epochs, 2 blocks, after the head's warm-up: block_16 trains in epochs 1–3, block_15 joins in epochs 4–6.
      const options: TrainOptions = { ...defaultTrainOptions('dr-grade'), inputSize: SIZE, epochs: 6, batchSize: 2, unfreezeBlocks: 2, earlyStoppingPatience: null };
      const fold = await fineTuneFold({
        activations: context,
        options,
        classCount: CLASSES,
        seed: 1,
        trainSet: subset.slice(0, 4),
        validationSet: subset.slice(4),
        views: ['original', 'flip-h'],
        pixelAugmentation: DEFAULT_PIXEL_AUGMENTATION,
        metric: null,
        onEpoch: (result) => {
          expect(result.trainLoss).toBeGreaterThan(0);
          memory.push({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes });
        },
      });
      // Each image is one row (pixels augmented afresh), so an epoch is 2 batches of 2.
      expect(memory).toHaveLength(6);
      expect(memory[2]).toEqual(memory[0]); // epochs 1 and 3: block_16 and its optimizer
      expect(memory[5]).toEqual(memory[3]); // epochs 4 and 6: block_15 too, with a new optimizer
      fold.model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      split.dispose();
    }
  }, 300_000);

  it('warms the head up alone first, trains the top block from the first epoch, and keeps the warm head when fine-tuning does worse', async () => {
    const split = await splitBackbone(backbone(), modelJsonPath, SIZE, 1);
    const context: ActivationContext = { cacheDir: path.join(root, 'cache'), preprocessor: preprocessorFor('dr-grade'), split };
    try {
      await ensureActivations(context, images, ['original', 'flip-h']);
      const trainSet = images.slice(0, 8);
      const validationSet = images.slice(8);
      // Higher is better: minus the Brier score of the ordinal outputs, P(grade ≥ k) against the cumulative targets.
      const metric = (outputs: number[][]) =>
        -outputs.reduce((sum, output, i) => sum + output.reduce((s, p, k) => s + (p - ((validationSet[i]!.label as number) >= k ? 1 : 0)) ** 2, 0), 0) / outputs.length;
      const base: TrainOptions = { ...defaultTrainOptions('dr-grade'), inputSize: SIZE, epochs: 2, batchSize: 4, unfreezeBlocks: 1, earlyStoppingPatience: null };
      const run = async (options: TrainOptions) => {
        const epochs: FineTuneEpoch[] = [];
        const fold = await fineTuneFold({
          activations: context,
          options,
          classCount: CLASSES,
          seed: 2,
          trainSet,
          validationSet,
          views: ['original', 'flip-h'],
          metric,
          onEpoch: (result) => void epochs.push(result),
        });
        const outputs = validationSet.map((image) => fold.outputs.get(image.id)!);
        fold.model.dispose();
        return { fold, epochs, metric: metric(outputs) };
      };

      const ordinary = await run(base);
      expect(ordinary.epochs.map((e) => e.trainableBlocks)).toEqual([['block_16'], ['block_16']]);
      expect(ordinary.fold.validation.warmHead).not.toBeNull();
      expect(ordinary.metric).toBeCloseTo((ordinary.fold.keptWarmHead ? ordinary.fold.validation.warmHead : ordinary.fold.validation.fineTuned)!, 5);

      // A backbone rate a thousand times the head's wrecks the block: the fold falls back to the warm head.
      const wrecked = await run({ ...base, backboneLearningRateFactor: 1000 });
      console.info(`validation: warm head ${ordinary.fold.validation.warmHead}, fine-tuned ${ordinary.fold.validation.fineTuned}, wrecked ${wrecked.fold.validation.fineTuned}`);
      expect(wrecked.fold.keptWarmHead).toBe(true);
      expect(wrecked.fold.validation.warmHead).toBe(ordinary.fold.validation.warmHead); // the same warm-up, deterministic
      expect(wrecked.metric).toBeCloseTo(wrecked.fold.validation.warmHead!, 5);
      expect(Number.isFinite(wrecked.fold.validation.fineTuned) ? wrecked.fold.validation.fineTuned! : -Infinity).toBeLessThan(wrecked.metric);
    } finally {
      split.dispose();
    }
  }, 300_000);

  it('flips, rotates and zooms pixels with one resampling, and shifts brightness and contrast', () => {
    const size = 8;
    const pixels = tf.tensor4d(Array.from({ length: size * size * 3 }, (_, i) => (i * 7) % 256), [1, size, size, 3], 'int32');
    const transformed = (draw: Parameters<typeof transformOf>[1]) =>
      tf.tidy(() => tf.image.transform(tf.cast(pixels, 'float32'), tf.tensor2d([transformOf(size, draw)], [1, 8]), 'bilinear', 'nearest'));
    const same = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, tf.cast(b, 'float32')))).dataSync()[0]!);
    expect(same(transformed({ flipH: true, flipV: false, radians: 0, zoom: 1 }), tf.reverse(pixels, 2))).toBeLessThan(1e-4);
    expect(same(transformed({ flipH: false, flipV: true, radians: 0, zoom: 1 }), tf.reverse(pixels, 1))).toBeLessThan(1e-4);
    expect(same(transformed({ flipH: false, flipV: false, radians: Math.PI, zoom: 1 }), tf.reverse(pixels, [1, 2]))).toBeLessThan(1e-3);
    const random = createRandom(9);
    const augmented = augmentPixels(pixels, DEFAULT_PIXEL_AUGMENTATION, random);
    expect(augmented.shape).toEqual([1, size, size, 3]);
    expect(augmented.dtype).toBe('float32');
    expect(tf.min(augmented).dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(tf.max(augmented).dataSync()[0]).toBeLessThanOrEqual(255);
    expect(same(augmented, pixels)).toBeGreaterThan(1);
    tf.dispose([pixels, augmented]);
  });
});

describe('a fine-tuning run', () => {
  let project: Project;
  const QUICK: Partial<TrainOptions> = {
    strategy: 'fine-tune',
    inputSize: SIZE,
    epochs: 2,
    batchSize: 16,
    augmentations: [],
    unfreezeBlocks: 1,
    earlyStoppingPatience: null,
    validation: { kind: 'k-fold', folds: 2 },
  };

  beforeAll(async () => {
    project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
    await workspace.startImport({ project, folder: path.join(demo.dir, 'images'), labelsFile: demo.labelsFile }).done;
  }, 60_000);

  it('is refused on cpu unless GRADEDESK_FINE_TUNE_ON_CPU is set', async () => {
    const backend = await initBackend();
    expect(backend.strategies).toEqual(['head']);
    expect(fineTuneAvailable(backend, {})).toBe(false);
    expect(fineTuneAvailable(backend, { GRADEDESK_FINE_TUNE_ON_CPU: '1' })).toBe(true);
    expect(fineTuneAvailable({ ...backend, backend: 'wasm' }, { GRADEDESK_FINE_TUNE_ON_CPU: '1' })).toBe(false);
    const modelId = prepareModel(workspace.store, workspace.engine.modelsDir, project, QUICK, 'refused');
    await expect(runTraining(workspace.engine, modelId)).rejects.toMatchObject({ code: 'unsupported' });
    expect(workspace.store.models.get(modelId).status).toBe('failed');
  });

  it('trains two folds into a ready model whose fold models predict new images', async () => {
    process.env.GRADEDESK_FINE_TUNE_ON_CPU = '1';
    try {
      const modelId = prepareModel(workspace.store, workspace.engine.modelsDir, project, QUICK, 'fine-tuned');
      const phases = new Set<string>();
      const outcome = await runTraining(workspace.engine, modelId, { onProgress: (p) => phases.add(p.phase.replace(/ \d+ of \d+/, '')) });
      expect(outcome).toMatchObject({ modelId, resumedFromEpoch: 0, resumedFromFold: 0 });
      expect([...phases]).toEqual(expect.arrayContaining(['Computing backbone activations', 'Training fold']));

      const model = workspace.store.models.get(modelId);
      expect(model.status).toBe('ready');
      expect(model.epochs.map((e) => [e.fold, e.epoch])).toEqual([[1, 1], [1, 2], [2, 1], [2, 2]]);
      // Each fold says how it ended against its warm head, and kept the better of the two on its validation images.
      expect(model.fineTuneFolds.map((outcome) => outcome.fold)).toEqual([1, 2]);
      for (const outcome of model.fineTuneFolds) {
        expect(outcome.warmHeadMetric).not.toBeNull();
        expect(outcome.keptWarmHead).toBe(!(outcome.fineTunedMetric !== null && outcome.fineTunedMetric >= outcome.warmHeadMetric!));
      }
      expect(model.evaluation!.samples).toBe(12);
      const dir = workspace.store.models.dir(modelId);
      expect(readManifest(dir)).toMatchObject({ strategy: 'fine-tune', cutLayer: 'block_15_add', heads: ['fold-0', 'fold-1'], inputSize: SIZE });
      expect(fs.readdirSync(dir).filter((f) => f.startsWith('checkpoint'))).toEqual([]);

      // A saved fold model takes cut activations [3, 3, 160] (block_15_add) and keeps the feature maps reachable for Grad-CAM.
      const fold = await tf.loadLayersModel(fileModelHandler(path.join(dir, 'fold-0', 'model.json')));
      const parts = foldModelParts(fold);
      const x = tf.randomUniform([2, 3, 3, 160], 0, 4, 'float32', 3) as tf.Tensor4D;
      const maps = parts.maps(x);
      expect(maps.shape).toEqual([2, 3, 3, 1280]);
      const [direct, composed] = [fold.predict(x) as tf.Tensor2D, parts.outputs(maps)];
      expect(direct.shape).toEqual([2, CLASSES]);
      expect(maxDifference(direct.dataSync() as Float32Array, composed.dataSync() as Float32Array)).toBeLessThan(1e-6);
      tf.dispose([x, maps, direct, composed]);
      fold.dispose();

      // Grad-CAM of a fine-tuned model: each fold's own top blocks give its maps, averaged like its predictions.
      const severe = workspace.store.images.readable(project.id).find((image) => (image.label as number) >= 2)!;
      const session = await openGradCamSession(workspace.engine, modelId);
      try {
        const predicted = await session.map(severe.id, null);
        const other = await session.map(severe.id, predicted.map.targetClass === 4 ? 0 : 4);
        expect(predicted.map).toMatchObject({ width: 3, height: 3, targetClass: workspace.store.predictions.forImage(modelId, severe.id)!.predicted });
        for (const { map } of [predicted, other]) expect(map.values.every((v) => v >= 0 && v <= 1)).toBe(true);
        expect(Array.from(other.map.values)).not.toEqual(Array.from(predicted.map.values));
      } finally {
        session.close();
      }
      const [rendered] = await renderGradCams(workspace.engine, modelId, [severe.id], null);
      expect(fs.existsSync(rendered!.heatmap)).toBe(true);

      const later = await writeDemoDataset(path.join(root, 'later'), { count: 2, seed: 77, minSize: 128, maxSize: 160 });
      await workspace.startImport({ project, folder: path.join(later.dir, 'images') }).done;
      const added = workspace.store.images.readable(project.id).filter((image) => image.label === null);
      expect(added).toHaveLength(2);
      expect(await predictProject(workspace.engine, modelId, added.map((image) => image.id))).toEqual({ predicted: 2, failed: 0 });
      for (const image of added) {
        const prediction = workspace.store.predictions.forImage(modelId, image.id)!;
        expect(prediction).toMatchObject({ outOfFold: false, inTrainingSet: false });
        expect(prediction.probabilities!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
    } finally {
      delete process.env.GRADEDESK_FINE_TUNE_ON_CPU;
    }
  }, 150_000);
});
