// The bundled MobileNetV2 exported to ONNX and run by ONNX Runtime gives the features tfjs gives, on
// real decoded photographs: synthetic fundus JPEGs and smooth pictures, through the real preprocessing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoDataset } from '../../src/main/demo/dataset';
import { initBackend, tf } from '../../src/main/ml/engine/backend';
import { loadFeatureExtractor } from '../../src/main/ml/backbones/load';
import { extractNsfwjsModel } from '../../src/main/ml/backbones/nsfwjs-bundle';
import { BUNDLED_BACKBONES, DEFAULT_BACKBONE_ID } from '../../src/main/ml/backbones/registry';
import { computeFeatures } from '../../src/main/ml/features/extract-features';
import { preprocessorFor } from '../../src/main/ml/features/preprocessing';
import { exportLayersModelToOnnx, ONNX_FEATURES, ONNX_INPUT } from '../../src/main/ml/onnx/export-layers-model';
import { loadOnnxFeatureExtractor, withOnnxExtraction } from '../../src/main/ml/onnx/onnx-extractor';
import { fileSaveHandler } from '../../src/main/ml/backbones/file-handler';
import { onnxRuntimeInfo } from '../../src/main/ml/onnx/runtime';
import { doctorLines } from '../../src/main/ml/engine/doctor';
import type { BackboneInfo } from '../../src/shared/ml';
import { smoothPicture } from '../fixtures/images';

let root: string;

beforeAll(async () => {
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-onnx-'));
});

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

function maxAbsDifference(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let max = 0;
  a.forEach((vector, i) => vector.forEach((value, j) => (max = Math.max(max, Math.abs(value - b[i]![j]!)))));
  return max;
}

describe('the bundled MobileNetV2 through ONNX Runtime', () => {
  it('gives the features tfjs gives within 1e-4 on decoded photographs, and caches its ONNX file', async () => {
    const backbone = BUNDLED_BACKBONES.find((b) => b.id === DEFAULT_BACKBONE_ID)!;
    const modelJsonPath = await extractNsfwjsModel('mobilenet_v2', path.join(root, 'backbones', backbone.id));
    const demo = await writeDemoDataset(path.join(root, 'demo'), { count: 4, seed: 12, minSize: 384, maxSize: 512 });
    const encoded = [
      ...demo.images.map((image) => fs.readFileSync(image.file)),
      await smoothPicture(3, 320, 240).jpeg({ quality: 90 }).toBuffer(),
      await smoothPicture(4, 300, 300).png().toBuffer(),
    ];
    const size = 224;
    const pixels = await Promise.all(encoded.map((bytes, i) => preprocessorFor(i < demo.images.length ? 'dr-grade' : 'multiclass').run(bytes, size)));

    const tfjs = await loadFeatureExtractor(backbone, modelJsonPath, size);
    const views = ['original', 'flip-h', 'rot-90'] as const;
    const expectedPerView = await computeFeatures(tfjs, pixels, views);
    const expected = expectedPerView[0]!;

    // The engine's extraction path: the same extractor, its pooled features from ONNX Runtime, every view.
    const engineExtractor = await withOnnxExtraction(tfjs, modelJsonPath, await initBackend());
    expect(engineExtractor.pixelFeatures).toBeDefined();
    const actualPerView = await computeFeatures(engineExtractor, pixels, views);
    views.forEach((_, v) => expect(maxAbsDifference(actualPerView[v]!, expectedPerView[v]!)).toBeLessThan(1e-4));
    expect(maxAbsDifference(actualPerView[1]!, actualPerView[0]!)).toBeGreaterThan(1e-3); // the views differ
    engineExtractor.dispose();

    const onnx = await loadOnnxFeatureExtractor(backbone, modelJsonPath, size);
    expect(onnx.featureDim).toBe(1280);
    const actual = await onnx.features(pixels);
    const difference = maxAbsDifference(actual, expected);
    console.log(`ONNX Runtime vs tfjs (${tf.getBackend()}): max abs difference ${difference.toExponential(2)} over ${pixels.length} images × 1280 features`);
    expect(difference).toBeLessThan(1e-4);
    // The features are not all zero, which would also agree.
    expect(Math.max(...expected.map((v) => Math.max(...v)))).toBeGreaterThan(0.1);
    await onnx.dispose();

    const exported = fs.statSync(onnx.onnxPath).mtimeMs;
    const again = await loadOnnxFeatureExtractor(backbone, modelJsonPath, size);
    expect(again.onnxPath).toBe(onnx.onnxPath);
    expect(fs.statSync(again.onnxPath).mtimeMs).toBe(exported);
    await again.dispose();
  }, 240_000);
});

describe('doctor', () => {
  it('names the ONNX Runtime version and the execution provider extraction runs on', async () => {
    const onnx = await onnxRuntimeInfo();
    expect(onnx).toMatchObject({ version: ort.env.versions.node, provider: 'cpu', reason: null });
    const lines = doctorLines(await initBackend(), onnx);
    expect(lines.some((line) => line.startsWith(`ONNX Runtime: onnxruntime-node ${ort.env.versions.node}, cpu execution provider`))).toBe(true);
  });
});

describe('the ONNX exporter', () => {
  const seeded = (seed: number) => tf.initializers.randomUniform({ minval: -1, maxval: 1, seed });

  /** Odd sizes and strides that make 'same' padding uneven, a depthwise multiplier, BatchNormalization with real statistics. */
  function smallNetwork(): tf.LayersModel {
    const input = tf.input({ shape: [33, 33, 3] });
    const batchNorm = (name: string, seed: number) =>
      tf.layers.batchNormalization({
        name,
        epsilon: 1e-3,
        gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed }),
        betaInitializer: seeded(seed + 1),
        movingMeanInitializer: seeded(seed + 2),
        movingVarianceInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: seed + 3 }),
      });
    const padded = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(input) as tf.SymbolicTensor;
    let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, kernelInitializer: seeded(1) }).apply(padded) as tf.SymbolicTensor;
    x = batchNorm('bn_a', 10).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
    let y = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, depthMultiplier: 2, padding: 'same', useBias: false, depthwiseInitializer: seeded(2) }).apply(x) as tf.SymbolicTensor;
    y = batchNorm('bn_b', 20).apply(y) as tf.SymbolicTensor;
    y = tf.layers.reLU({ maxValue: 6 }).apply(y) as tf.SymbolicTensor;
    const z = tf.layers.conv2d({ filters: 16, kernelSize: 1, padding: 'same', kernelInitializer: seeded(3), biasInitializer: seeded(4) }).apply(y) as tf.SymbolicTensor;
    const w = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: seeded(5) }).apply(z) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([z, w]) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: sum });
  }

  it('writes a graph that ONNX Runtime runs to the same pooled maps as tfjs', async () => {
    const model = smallNetwork();
    const file = path.join(root, 'small.onnx');
    fs.writeFileSync(file, exportLayersModelToOnnx(model, 'symmetric', 'small'));
    const pixels = tf.tidy(() => tf.floor(tf.randomUniform([2, 33, 33, 3], 0, 256, 'float32', 7)));
    const expected = tf.tidy(() => tf.mean(model.predict(tf.sub(tf.div(pixels, 127.5), 1)) as tf.Tensor4D, [1, 2]).dataSync() as Float32Array);
    const session = await ort.InferenceSession.create(file);
    const output = await session.run({ [ONNX_INPUT]: new ort.Tensor('uint8', Uint8Array.from(pixels.dataSync()), [2, 33, 33, 3]) });
    const actual = output[ONNX_FEATURES]!.data as Float32Array;
    expect(output[ONNX_FEATURES]!.dims).toEqual([2, 16]);
    expect(maxAbsDifference([actual], [expected])).toBeLessThan(1e-4);
    await session.release();
    pixels.dispose();
    model.dispose();
  });

  it('leaves extraction to tfjs for a backbone it cannot export', async () => {
    const input = tf.input({ shape: [32, 32, 3] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'conv' }).apply(input) as tf.SymbolicTensor;
    const pooled = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(conv) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: pooled });
    const dir = path.join(root, 'pooling-net');
    await model.save(fileSaveHandler(dir));
    model.dispose();
    const backbone: BackboneInfo = { ...BUNDLED_BACKBONES[0]!, id: 'pooling-net', name: 'Pooling net', source: 'file', location: dir, featureLayer: 'pool', inputSizes: [32], normalisation: 'unit' };
    const tfjs = await loadFeatureExtractor(backbone, path.join(dir, 'model.json'), 32);
    const extractor = await withOnnxExtraction(tfjs, path.join(dir, 'model.json'), await initBackend());
    expect(extractor.pixelFeatures).toBeUndefined();
    expect(extractor).toBe(tfjs);
    tfjs.dispose();
  });

  it('refuses a layer it does not know, naming it', () => {
    const input = tf.input({ shape: [16, 16, 3] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'conv' }).apply(input) as tf.SymbolicTensor;
    const pooled = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(conv) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: pooled });
    expect(() => exportLayersModelToOnnx(model, 'unit', 'pooling net')).toThrow(/pooling net has a MaxPooling2D layer \(pool\), which the ONNX exporter does not know/);
    model.dispose();
  });
});
