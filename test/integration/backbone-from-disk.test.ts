import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/main/ml/engine/backend';
import { fileSaveHandler } from '../../src/main/ml/backbones/file-handler';
import { loadFeatureExtractor } from '../../src/main/ml/backbones/load';
import { extractNsfwjsModel } from '../../src/main/ml/backbones/nsfwjs-bundle';
import { BackboneRegistry, BUNDLED_BACKBONES, DEFAULT_BACKBONE_ID } from '../../src/main/ml/backbones/registry';
import { Store } from '../../src/main/store';
import { GradedeskError } from '../../src/shared/errors';

const MOBILENET_MID_FEATURE_NODE =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/MobilenetV2/Conv_1/Relu6';

let root: string;
let store: Store;
let registry: BackboneRegistry;

beforeAll(async () => {
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-backbone-disk-'));
  fs.mkdirSync(path.join(root, 'data'));
  store = Store.open(path.join(root, 'data'));
  registry = new BackboneRegistry(store.backbones, path.join(root, 'cache'));
});

afterAll(() => {
  store?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Pixels 0..255 [n, size, size, 3]: a horizontal ramp in red and, for the second image, vertical stripes. */
function pixels(size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const ramp = tf.tile(tf.reshape(tf.linspace(0, 255, size), [1, size, 1, 1]), [1, 1, size, 3]);
    const stripes = tf.tile(tf.reshape(tf.tensor1d(Array.from({ length: size }, (_, i) => (Math.floor(i / 8) % 2) * 255)), [1, 1, size, 1]), [1, size, 1, 3]);
    return tf.concat([ramp, stripes], 0) as tf.Tensor4D;
  });
}

const maxDifference = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('a Keras layers model from disk', () => {
  let model: tf.LayersModel;
  let modelJsonPath: string;

  beforeAll(async () => {
    const input = tf.input({ shape: [32, 32, 3], name: 'pixels' });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv_a', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: 'ones' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv_b', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(a) as tf.SymbolicTensor;
    const flat = tf.layers.flatten({ name: 'flatten' }).apply(b) as tf.SymbolicTensor;
    const output = tf.layers.dense({ units: 2, activation: 'softmax', name: 'classifier' }).apply(flat) as tf.SymbolicTensor;
    model = tf.model({ inputs: input, outputs: output, name: 'tiny_convnet' });
    const dir = path.join(root, 'tiny-convnet');
    await model.save(fileSaveHandler(dir));
    modelJsonPath = path.join(dir, 'model.json');
    registry.add({ id: 'tiny-convnet', name: 'Tiny convnet', location: modelJsonPath, format: 'layers', featureLayer: 'conv_b', inputSizes: [32, 48], normalisation: 'unit' });
  });

  afterAll(() => model?.dispose());

  /** conv_b's maps computed with the original model's own layers, pooled over height and width. */
  const directFeatures = (input: tf.Tensor4D) =>
    tf.tidy(() => tf.mean(model.getLayer('conv_b').apply(model.getLayer('conv_a').apply(input)) as tf.Tensor4D, [1, 2]));

  it('is registered as a file backbone under its absolute path', async () => {
    const stored = registry.get('tiny-convnet');
    expect(stored).toMatchObject({ source: 'file', format: 'layers', featureLayer: 'conv_b', inputSizes: [32, 48], defaultInputSize: 32 });
    expect(await registry.modelJsonPath(stored)).toBe(modelJsonPath);
  });

  it.each([32, 48])('gives the pooled maps of the feature layer at input size %i', async (size) => {
    const stored = registry.get('tiny-convnet');
    const extractor = await loadFeatureExtractor(stored, await registry.modelJsonPath(stored), size);
    const images = pixels(size);
    const input = extractor.normalise(images);
    const features = extractor.features(input);
    const maps = extractor.maps(input);
    const expected = directFeatures(input);
    try {
      expect(extractor.featureDim).toBe(6);
      expect(extractor.inputSize).toBe(size);
      expect(tf.max(input).dataSync()[0]).toBeCloseTo(1, 5);
      expect(features.shape).toEqual([2, 6]);
      expect(maps.shape).toEqual([2, size / 2, size / 2, 6]);
      expect(maxDifference(features, expected)).toBeLessThan(1e-5);
      // The two images differ, so a truncation that ignored the input would show here.
      expect(maxDifference(features.slice([0, 0], [1, 6]), features.slice([1, 0], [1, 6]))).toBeGreaterThan(1e-3);
    } finally {
      tf.dispose([images, input, features, maps, expected]);
      extractor.dispose();
    }
  });

  it('names a feature layer the model does not have', async () => {
    registry.add({ id: 'tiny-convnet-typo', location: modelJsonPath, format: 'layers', featureLayer: 'conv_z', inputSizes: [32] });
    const stored = registry.get('tiny-convnet-typo');
    const error = await loadFeatureExtractor(stored, modelJsonPath, 32).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradedeskError);
    expect((error as GradedeskError).code).toBe('invalid');
    expect((error as GradedeskError).message).toContain('"conv_z"');
  });

  it('says so when the model is Sequential rather than functional', async () => {
    const sequential = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 4, kernelSize: 3, name: 'seq_conv' }), tf.layers.globalAveragePooling2d({})],
    });
    const dir = path.join(root, 'sequential');
    await sequential.save(fileSaveHandler(dir));
    sequential.dispose();
    registry.add({ id: 'sequential', location: path.join(dir, 'model.json'), format: 'layers', featureLayer: 'seq_conv', inputSizes: [32] });
    const error = await loadFeatureExtractor(registry.get('sequential'), path.join(dir, 'model.json'), 32).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradedeskError);
    expect((error as GradedeskError).message).toMatch(/Sequential.*functional/);
  });

  it('refuses an input size the backbone does not allow', async () => {
    const error = await loadFeatureExtractor(registry.get('tiny-convnet'), modelJsonPath, 64).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradedeskError);
    expect((error as GradedeskError).code).toBe('invalid');
    expect((error as GradedeskError).message).toMatch(/32, 48, not 64/);
  });
});

describe('a graph model from disk (nsfwjs MobileNetV2 mid)', () => {
  it('gives 1792 features that differ between images', async () => {
    const modelJsonPath = await extractNsfwjsModel('mobilenet_v2_mid', path.join(root, 'mobilenet-v2-mid'));
    expect(JSON.parse(fs.readFileSync(modelJsonPath, 'utf8')).format).toBe('graph-model');
    registry.add({ id: 'mobilenet-v2-mid', location: modelJsonPath, format: 'graph', featureLayer: MOBILENET_MID_FEATURE_NODE, inputSizes: [224] });
    const stored = registry.get('mobilenet-v2-mid');
    const extractor = await loadFeatureExtractor(stored, await registry.modelJsonPath(stored), 224);
    const images = pixels(224);
    const input = extractor.normalise(images);
    const features = extractor.features(input);
    try {
      expect(extractor.featureDim).toBe(1792);
      expect(features.shape).toEqual([2, 1792]);
      expect(Array.from(features.dataSync()).every(Number.isFinite)).toBe(true);
      expect(maxDifference(features.slice([0, 0], [1, 1792]), features.slice([1, 0], [1, 1792]))).toBeGreaterThan(1e-2);
    } finally {
      tf.dispose([images, input, features]);
      extractor.dispose();
    }
  });
});

describe('the bundled backbone', () => {
  it.each([96, 224])('loads at %i with 1280 features', async (size) => {
    const bundled = registry.get(DEFAULT_BACKBONE_ID);
    const modelJsonPath = await registry.modelJsonPath(bundled);
    expect(modelJsonPath).toBe(path.join(root, 'cache', 'backbones', DEFAULT_BACKBONE_ID, 'model.json'));
    const extractor = await loadFeatureExtractor(bundled, modelJsonPath, size);
    const images = pixels(size);
    const input = extractor.normalise(images);
    const features = extractor.features(input);
    try {
      expect(extractor.featureDim).toBe(1280);
      expect(features.shape).toEqual([2, 1280]);
      expect(maxDifference(features.slice([0, 0], [1, 1280]), features.slice([1, 0], [1, 1280]))).toBeGreaterThan(1e-2);
    } finally {
      tf.dispose([images, input, features]);
      extractor.dispose();
    }
  });
});

describe('adding backbones', () => {
  const request = { location: '/models/x/model.json', format: 'layers' as const, featureLayer: 'out' };
  const refusal = (add: () => unknown) => {
    try {
      add();
    } catch (error) {
      expect(error).toBeInstanceOf(GradedeskError);
      return (error as GradedeskError).code;
    }
    throw new Error('the registry accepted it');
  };

  it('refuses a bad id', () => {
    for (const id of ['', 'has space', '../escape', '-leading-dash', 'x'.repeat(81)]) {
      expect(refusal(() => registry.add({ ...request, id })), id).toBe('invalid');
    }
  });

  it('refuses an id that exists, bundled or added', () => {
    registry.add({ ...request, id: 'taken' });
    expect(refusal(() => registry.add({ ...request, id: 'taken' }))).toBe('conflict');
    expect(refusal(() => registry.add({ ...request, id: DEFAULT_BACKBONE_ID }))).toBe('conflict');
  });

  it('refuses a URL without a sha256, or not over http(s)', () => {
    expect(refusal(() => registry.add({ ...request, id: 'no-sum', location: 'https://example.org/model.json' }))).toBe('invalid');
    expect(refusal(() => registry.add({ ...request, id: 'short-sum', location: 'https://example.org/model.json', sha256: 'abc123' }))).toBe('invalid');
    expect(refusal(() => registry.add({ ...request, id: 'ftp', location: 'ftp://example.org/model.json', sha256: 'a'.repeat(64) }))).toBe('invalid');
    expect(refusal(() => registry.add({ ...request, id: 'file-url', location: 'file:///models/model.json', sha256: 'a'.repeat(64) }))).toBe('invalid');
    expect(registry.list().map((b) => b.id)).not.toContain('no-sum');
  });

  it('accepts a URL with its sha256 and keeps the checksum out of the public listing', () => {
    const info = registry.add({ ...request, id: 'remote', location: 'https://example.org/model.json', sha256: 'AB'.repeat(32) });
    expect(info.source).toBe('url');
    expect(info).not.toHaveProperty('sha256');
    expect(registry.get('remote').sha256).toBe('ab'.repeat(32));
  });

  it('lists the bundled backbone first', () => {
    const list = registry.list();
    expect(list[0]).toEqual(BUNDLED_BACKBONES[0]);
    expect(list.map((b) => b.id)).toEqual(expect.arrayContaining(['tiny-convnet', 'taken', 'remote']));
  });
});
