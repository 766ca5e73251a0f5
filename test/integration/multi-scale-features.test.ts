// Multi-scale fundus features (the whole fundus at 448 px plus overlapping 224-px tiles near the
// photograph's own resolution, pooled by mean and max) on the bundled MobileNetV2: their length, their
// own cache key, tiles that cover the field of view, the green-channel variant, and ONNX Runtime's
// agreement with tfjs at the new input size. Generated photographs only.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/main/app/workspace';
import { writeDemoDataset } from '../../src/main/demo/dataset';
import { DEFAULT_BACKBONE_ID } from '../../src/main/ml/backbones/registry';
import { featureContext } from '../../src/main/ml/engine/engine';
import { computeFeatures, ensureFeatures, extractorKey } from '../../src/main/ml/features/extract-features';
import { canvasSize, cropTile, tileCorners } from '../../src/main/ml/features/multi-scale';
import { preprocessorFor } from '../../src/main/ml/features/preprocessing';
import { defaultModelName, resolveOptions } from '../../src/main/ml/training/training-snapshot';
import { buildHead } from '../../src/main/ml/training/heads';
import { gradCam } from '../../src/main/ml/explain/gradcam';
import { taskSpecFor } from '../../src/shared/domain';
import { defaultFeatureConfiguration, FEATURE_CONFIGURATIONS, featureConfiguration, TILE_SIZE } from '../../src/shared/ml';

let root: string;
let workspace: Workspace;
let photographs: Array<{ sha256: string; path: string }>;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-multi-scale-'));
  workspace = Workspace.open(path.join(root, 'data'));
  const demo = await writeDemoDataset(path.join(root, 'demo'), { count: 2, seed: 31, minSize: 700, maxSize: 900 });
  photographs = demo.images.map((image) => ({ sha256: crypto.createHash('sha256').update(fs.readFileSync(image.file)).digest('hex'), path: image.file }));
});

afterAll(async () => {
  await workspace?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

function maxAbsDifference(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let max = 0;
  a.forEach((vector, i) => vector.forEach((value, j) => (max = Math.max(max, Math.abs(value - b[i]![j]!)))));
  return max;
}

describe('tiles', () => {
  it.each(FEATURE_CONFIGURATIONS.filter((c) => c.tiles))('cover the whole fundus canvas of $id, inside it, overlapping', (configuration) => {
    const canvas = canvasSize(configuration, 224);
    const corners = tileCorners(canvas, TILE_SIZE, configuration.tiles!.grid);
    expect(corners).toHaveLength(configuration.tiles!.grid ** 2);
    const covered = new Uint8Array(canvas * canvas);
    for (const [y, x] of corners) {
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x + TILE_SIZE).toBeLessThanOrEqual(canvas);
      for (let row = y; row < y + TILE_SIZE; row++) covered.fill(1, row * canvas + x, row * canvas + x + TILE_SIZE);
    }
    expect(covered.every((c) => c === 1)).toBe(true);
    const offsets = [...new Set(corners.map(([, x]) => x))];
    expect(offsets[1]! - offsets[0]!).toBeLessThan(TILE_SIZE); // neighbours overlap
  });

  it('are cut at the canvas resolution, pixel for pixel', () => {
    const canvas = 8;
    const pixels = Uint8Array.from({ length: canvas * canvas * 3 }, (_, i) => i % 251);
    const tile = cropTile(pixels, canvas, [2, 3], 4);
    expect(tile[0]).toBe(pixels[(2 * canvas + 3) * 3]);
    expect(tile[(3 * 4 + 3) * 3 + 2]).toBe(pixels[(5 * canvas + 6) * 3 + 2]);
  });
});

describe('multi-scale features of the bundled MobileNetV2', () => {
  const configuration = featureConfiguration('fundus-448-tiles-3x3-640');

  it('are the whole-fundus vector, the tiles mean and the tiles max, cached under their own key', async () => {
    const single = await featureContext(workspace.engine, DEFAULT_BACKBONE_ID, 224, 'dr-grade');
    const multi = await featureContext(workspace.engine, DEFAULT_BACKBONE_ID, 224, 'dr-grade', { features: configuration.id });
    try {
      expect(multi.extractor.inputSize).toBe(640);
      expect(multi.extractor.featureDim).toBe(3 * single.extractor.featureDim);
      const keys = [extractorKey(single), extractorKey(multi)];
      expect(new Set(keys).size).toBe(2);
      expect(keys[1]).toContain(configuration.id);

      expect((await ensureFeatures(single, photographs, ['original'])).extracted).toBe(2);
      const store = workspace.store.features;
      expect(store.missing(photographs.map((p) => p.sha256), keys[1]!, ['original'])).toHaveLength(2); // single-scale rows do not count
      expect((await ensureFeatures(multi, photographs, ['original'])).extracted).toBe(2);
      expect((await ensureFeatures(multi, photographs, ['original'])).cached).toBe(2);
      const rows = store.matrix(photographs.map((p) => ({ sha256: p.sha256, view: 'original' as const })), keys[1]!, multi.extractor.featureDim);
      expect(rows).toHaveLength(2 * 3 * 1280);
      const dim = 1280;
      const first = rows.subarray(0, 3 * dim);
      // Max over tiles is at least their mean, feature by feature, and somewhere larger.
      let larger = 0;
      for (let d = 0; d < dim; d++) {
        expect(first[2 * dim + d]!).toBeGreaterThanOrEqual(first[dim + d]! - 1e-6);
        if (first[2 * dim + d]! > first[dim + d]! + 1e-3) larger++;
      }
      expect(larger).toBeGreaterThan(100);
    } finally {
      single.extractor.dispose();
      multi.extractor.dispose();
    }
  }, 300_000);

  it('through ONNX Runtime equal tfjs within 1e-4, at 448 px and on the tiles, for every view; Grad-CAM sees the whole fundus', async () => {
    const onnx = await featureContext(workspace.engine, DEFAULT_BACKBONE_ID, 224, 'dr-grade', { features: configuration.id });
    const tfjs = await featureContext(workspace.engine, DEFAULT_BACKBONE_ID, 224, 'dr-grade', { features: configuration.id, frozenExtraction: false });
    try {
      expect(onnx.extractor.pixelFeatures).toBeDefined();
      expect(tfjs.extractor.pixelFeatures).toBeUndefined();
      const pixels = await Promise.all(photographs.map(async (p) => onnx.preprocessor.run(fs.readFileSync(p.path), 640)));
      const views = ['original', 'flip-h'] as const;
      const expected = await computeFeatures(tfjs.extractor, pixels, views);
      const actual = await computeFeatures(onnx.extractor, pixels, views);
      views.forEach((_, v) => expect(maxAbsDifference(actual[v]!, expected[v]!)).toBeLessThan(1e-4));
      expect(maxAbsDifference(actual[0]!, actual[1]!)).toBeGreaterThan(1e-3); // the views differ
      expect(Math.max(...expected[0]!.map((v) => Math.max(...v)))).toBeGreaterThan(0.1);

      // Grad-CAM differentiates the head through the whole-fundus maps, the tiles' part held fixed.
      const dim = tfjs.extractor.featureDim;
      const head = buildHead('ordinal', dim, 5, 1);
      const map = await gradCam(tfjs.extractor, [{ head, standardisation: { mean: new Array<number>(dim).fill(0), std: new Array<number>(dim).fill(1) } }], 'ordinal', pixels[0]!, 2);
      head.dispose();
      expect([map.width, map.height]).toEqual([14, 14]); // 448 px / 32
      expect(Math.max(...map.values)).toBeCloseTo(1, 5);
    } finally {
      onnx.extractor.dispose();
      tfjs.extractor.dispose();
    }
  }, 300_000);
});

describe('the green-channel variant', () => {
  it('gives the backbone the green channel of the Ben Graham image, under its own preprocessing id', async () => {
    const rgb = preprocessorFor('dr-grade');
    const green = preprocessorFor('dr-grade', 'green');
    expect(green.id).not.toBe(rgb.id);
    const encoded = fs.readFileSync(photographs[0]!.path);
    const [colour, greenOnly] = await Promise.all([rgb.run(encoded, 128), green.run(encoded, 128)]);
    expect(greenOnly.equals(colour)).toBe(false);
    for (let i = 0; i < colour.length; i += 3) {
      expect(greenOnly[i]).toBe(colour[i + 1]);
      expect(greenOnly[i + 2]).toBe(colour[i + 1]);
    }
  });
});

describe('training options', () => {
  const DR_DEFAULT = defaultFeatureConfiguration('dr-grade') === 'single' ? undefined : defaultFeatureConfiguration('dr-grade');
  const project = { id: 1, name: 'p', createdAt: '', task: taskSpecFor('dr-grade') };

  it('give DR head training its default features, and refuse multi-scale features for fine-tuning', () => {
    expect(resolveOptions(project, {}).features).toBe(DR_DEFAULT);
    expect(resolveOptions(project, { features: 'fundus-448' }).features).toBe('fundus-448');
    expect(resolveOptions(project, { inputSize: 96 }).features).toBeUndefined(); // a chosen size: one view at it
    expect(resolveOptions(project, { strategy: 'fine-tune' }).features).toBeUndefined();
    expect(() => resolveOptions(project, { strategy: 'fine-tune', features: 'fundus-448' })).toThrow(/multi-scale features \(fundus-448\) are for the head strategy/);
    expect(resolveOptions({ ...project, task: taskSpecFor('multiclass', ['nevus', 'melanoma']) }, {}).features).toBeUndefined();
    expect(defaultModelName([], { inputSize: 224, strategy: 'head', features: 'fundus-448-green' })).toBe('Model 1 (448 px, green)');
    expect(defaultModelName(['Model 1 (224 px)'], { inputSize: 224, strategy: 'head', features: 'fundus-448-tiles-3x3-640' })).toBe('Model 2 (448 px + 3×3 tiles)');
  });
});
