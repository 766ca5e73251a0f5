// The pixel pool (model-ready pixels made on worker threads) against the single-thread path: the same
// bytes for every preprocessing, the same per-image failures, the same features. Generated images only.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/main/app/workspace';
import { writeDemoDataset } from '../../src/main/demo/dataset';
import { DEFAULT_BACKBONE_ID } from '../../src/main/ml/backbones/registry';
import { featureContext } from '../../src/main/ml/engine/engine';
import { ensureFeatures, extractorKey } from '../../src/main/ml/features/extract-features';
import { inPixelBatches } from '../../src/main/ml/features/pixel-batches';
import { inThreadPixels, PixelPool } from '../../src/main/ml/features/pixel-source';
import { modelReadyPixels, preprocessorFor, type Preprocessor } from '../../src/main/ml/features/preprocessing';
import pixelWorkerScript from '../../src/main/ml/features/pixel-worker?modulePath';
import { createRandom } from '../../src/main/util/random';

const SIZE = 64;

let root: string;
let pool: PixelPool;
let fundus: Array<{ sha256: string; path: string }>;
let photographs: Array<{ sha256: string; path: string }>;

const sha256Of = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A noisy colour photograph with an off-centre bright blob: something for colour constancy and contrast stretching to change. */
async function writePhotograph(file: string, seed: number, width: number, height: number): Promise<{ sha256: string; path: string }> {
  const random = createRandom(seed);
  const rgb = Buffer.alloc(width * height * 3);
  const cast = [random.int(0, 60), random.int(0, 60), random.int(0, 60)];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const blob = Math.max(0, 120 - Math.hypot(x - width * 0.6, y - height * 0.4) / 2);
      for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = Math.min(255, 40 + cast[c]! + blob + random.int(0, 30));
    }
  }
  await sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
  return { sha256: sha256Of(file), path: file };
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-pixel-pool-'));
  const demo = await writeDemoDataset(path.join(root, 'demo'), { count: 4, seed: 41, minSize: 300, maxSize: 500 });
  fundus = demo.images.map((image) => ({ sha256: sha256Of(image.file), path: image.file }));
  photographs = await Promise.all([0, 1, 2].map((i) => writePhotograph(path.join(root, `photo-${i}.jpg`), 50 + i, 320 + 40 * i, 240 + 30 * i)));
  pool = new PixelPool(pixelWorkerScript, 2);
});

afterAll(async () => {
  await pool?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const cacheDir = (name: string) => path.join(root, 'caches', name);

describe('the pixel pool', () => {
  const cases: Array<[string, Preprocessor, () => Array<{ sha256: string; path: string }>]> = [
    ['fundus, colour', preprocessorFor('dr-grade'), () => fundus],
    ['fundus, green channel', preprocessorFor('dr-grade', 'green'), () => fundus],
    ['dermoscopy', preprocessorFor('multiclass'), () => photographs],
    ['microscopy', preprocessorFor('multilabel'), () => photographs],
  ];

  it.each(cases)('makes the same model-ready pixels as the single thread for %s, and caches them', async (name, preprocessor, images) => {
    for (const image of images()) {
      const single = await modelReadyPixels(cacheDir(`single-${name}`), preprocessor, SIZE, image);
      const pooled = await pool.modelReadyPixels(cacheDir(`pool-${name}`), preprocessor, SIZE, image);
      expect(pooled.length).toBe(SIZE * SIZE * 3);
      expect(pooled.equals(single)).toBe(true);
      // The worker wrote the cache: the single-thread path now reads the pool's file instead of decoding.
      fs.renameSync(image.path, `${image.path}.away`);
      try {
        expect((await modelReadyPixels(cacheDir(`pool-${name}`), preprocessor, SIZE, image)).equals(single)).toBe(true);
      } finally {
        fs.renameSync(`${image.path}.away`, image.path);
      }
    }
  });

  it('reports a missing and a damaged file per image, as the single thread does, while the others go through', async () => {
    const missing = { sha256: 'a'.repeat(64), path: path.join(root, 'gone.jpg') };
    const damagedFile = path.join(root, 'damaged.jpg');
    fs.writeFileSync(damagedFile, fs.readFileSync(fundus[0]!.path).subarray(0, 2000));
    const damaged = { sha256: sha256Of(damagedFile), path: damagedFile };
    const images = [fundus[1]!, missing, fundus[2]!, damaged, fundus[3]!];
    const run = async (name: string, pixels: typeof inThreadPixels) => {
      const seen: string[] = [];
      const failed = await inPixelBatches(
        images,
        { cacheDir: cacheDir(name), preprocessor: preprocessorFor('dr-grade'), size: SIZE, pixels, batchSize: 2, phase: 'test', cancelledMessage: 'cancelled' },
        (batch) => void seen.push(...batch.map((b) => b.image.sha256)),
      );
      return { seen, failed };
    };
    const single = await run('failures-single', inThreadPixels);
    const pooled = await run('failures-pool', pool);
    expect(pooled.seen).toEqual([fundus[1]!.sha256, fundus[2]!.sha256, fundus[3]!.sha256]);
    expect(pooled.failed.map((f) => f.sha256)).toEqual([missing.sha256, damaged.sha256]);
    expect(pooled.seen).toEqual(single.seen);
    expect(pooled.failed.map((f) => f.sha256)).toEqual(single.failed.map((f) => f.sha256));
    expect(pooled.failed[0]!.error).toBe(single.failed[0]!.error);
    expect(pooled.failed[0]!.error).toMatch(/gone\.jpg/);
    // libvips's words for a damaged file vary from run to run on either path (its error text is kept per thread).
    expect(pooled.failed[1]!.error).not.toBe('');
  });

  it('stops at the next batch when cancelled, as on the single thread', async () => {
    const controller = new AbortController();
    const batches: number[] = [];
    const attempt = inPixelBatches(
      [...fundus, ...fundus],
      { cacheDir: cacheDir('cancel'), preprocessor: preprocessorFor('dr-grade'), size: SIZE, pixels: pool, batchSize: 2, phase: 'test', cancelledMessage: 'Stopped.', signal: controller.signal },
      (batch) => {
        batches.push(batch.length);
        controller.abort();
      },
    );
    await expect(attempt).rejects.toMatchObject({ code: 'cancelled', message: 'Stopped.' });
    expect(batches).toEqual([2]);
  });
});

describe('feature extraction through the pool', () => {
  it('gives the same features as the single thread, at a tiny size', async () => {
    const pooled = Workspace.open(path.join(root, 'pooled'));
    const single = Workspace.open(path.join(root, 'single'));
    try {
      const pooledContext = await featureContext(pooled.engine, DEFAULT_BACKBONE_ID, 96, 'dr-grade');
      const singleContext = { ...(await featureContext(single.engine, DEFAULT_BACKBONE_ID, 96, 'dr-grade')), pixels: inThreadPixels };
      try {
        expect(pooledContext.pixels).toBeInstanceOf(PixelPool);
        expect(await ensureFeatures(pooledContext, fundus, ['original'])).toMatchObject({ extracted: fundus.length, failed: [] });
        expect(await ensureFeatures(singleContext, fundus, ['original'])).toMatchObject({ extracted: fundus.length, failed: [] });
        const key = extractorKey(pooledContext);
        for (const image of fundus) {
          expect(Array.from(pooled.store.features.get(image.sha256, key, 'original'))).toEqual(Array.from(single.store.features.get(image.sha256, key, 'original')));
        }
      } finally {
        pooledContext.extractor.dispose();
        singleContext.extractor.dispose();
      }
    } finally {
      await pooled.close();
      await single.close();
    }
  });
});
