import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { Eye } from '../../src/shared/domain';
import { writeDemoDataset, type DemoManifest } from '../../src/main/demo/dataset';
import { renderFundus, type RenderedFundus } from '../../src/main/demo/fundus';
import { createRandom } from '../../src/main/util/random';

const render = (grade: number, seed: number, width = 192, height = 192, eye: Eye = 'left'): RenderedFundus =>
  renderFundus({ grade, eye, seed, width, height });

const lesionPixels = (f: RenderedFundus): number => f.lesionMask.reduce((n, v) => n + (v === 255 ? 1 : 0), 0);

/** Mean R, G, B over a box given as fractions of the frame. */
function meanColour(f: RenderedFundus, x0: number, y0: number, x1: number, y1: number): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = Math.floor(y0 * f.height); y < Math.ceil(y1 * f.height); y++) {
    for (let x = Math.floor(x0 * f.width); x < Math.ceil(x1 * f.width); x++) {
      const i = 3 * (y * f.width + x);
      for (let c = 0; c < 3; c++) sum[c]! += f.rgb[i + c]!;
      n++;
    }
  }
  return sum.map((s) => s / n) as [number, number, number];
}

describe('seeded random numbers', () => {
  it('repeats for a seed and stays in range', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const draws = Array.from({ length: 200 }, () => a.next());
    expect(Array.from({ length: 200 }, () => b.next())).toEqual(draws);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(createRandom(43).next()).not.toBe(createRandom(42).next());
    const r = createRandom(7);
    for (let k = 0; k < 200; k++) {
      const i = r.int(2, 5);
      expect(Number.isInteger(i) && i >= 2 && i <= 5).toBe(true);
      expect(['a', 'b']).toContain(r.pick(['a', 'b']));
    }
    const normals = Array.from({ length: 4000 }, () => r.normal(10, 2));
    const mean = normals.reduce((s, x) => s + x, 0) / normals.length;
    expect(mean).toBeCloseTo(10, 0);
  });
});

describe('renderFundus', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = render(3, 11);
    const b = render(3, 11);
    expect(a.rgb.equals(b.rgb)).toBe(true);
    expect(a.lesionMask.equals(b.lesionMask)).toBe(true);
    expect(a.lesionCounts).toEqual(b.lesionCounts);
    expect(render(3, 12).rgb.equals(a.rgb)).toBe(false);
  });

  it('shows the same eye at every grade of a seed: only the lesions change', () => {
    const healthy = render(0, 17);
    const diseased = render(3, 17);
    let same = 0;
    for (let i = 0; i < healthy.rgb.length; i++) if (healthy.rgb[i] === diseased.rgb[i]) same++;
    expect(same / healthy.rgb.length).toBeGreaterThan(0.8);
  });

  it('returns raw RGB and a binary mask of the requested size', () => {
    const f = render(2, 5, 200, 150);
    expect([f.width, f.height]).toEqual([200, 150]);
    expect(f.rgb.length).toBe(200 * 150 * 3);
    expect(f.lesionMask.length).toBe(200 * 150);
    expect(f.lesionMask.every((v) => v === 0 || v === 255)).toBe(true);
  });

  it('draws no lesions at grade 0, and more lesions and lesion area at each higher grade on average', () => {
    const seeds = [1, 2, 3, 4];
    const byGrade = [0, 1, 2, 3, 4].map((grade) => seeds.map((seed) => render(grade, seed, 160, 128)));
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const meanArea = byGrade.map((images) => mean(images.map(lesionPixels)));
    const meanCount = byGrade.map((images) => mean(images.map((f) => Object.values(f.lesionCounts).reduce((sum, n) => sum + n, 0))));
    expect(meanArea[0]).toBe(0);
    expect(meanCount[0]).toBe(0);
    for (let grade = 1; grade <= 4; grade++) {
      expect(meanArea[grade]).toBeGreaterThan(meanArea[grade - 1]!);
      expect(meanCount[grade]).toBeGreaterThan(meanCount[grade - 1]!);
    }
  });

  it('draws the lesions each grade calls for', () => {
    expect(render(1, 8).lesionCounts).toMatchObject({ haemorrhages: 0, newVessels: 0, preretinalHaemorrhages: 0 });
    expect(render(1, 8).lesionCounts.microaneurysms).toBeGreaterThan(0);
    expect(render(2, 8).lesionCounts.haemorrhages).toBeGreaterThan(0);
    const severe = render(3, 8).lesionCounts;
    expect(severe.haemorrhages).toBeGreaterThanOrEqual(20);
    expect(severe.venousBeading).toBeGreaterThan(0);
    const proliferative = render(4, 8).lesionCounts;
    expect(proliferative.newVessels).toBeGreaterThan(0);
    expect(proliferative.preretinalHaemorrhages).toBe(1);
  });

  it('keeps lesions inside the fundus', () => {
    for (const [seed, width, height] of [[21, 192, 192], [22, 224, 160], [23, 160, 120]] as const) {
      for (const grade of [3, 4]) {
        const f = render(grade, seed, width, height);
        let onBlack = 0;
        for (let i = 0; i < f.lesionMask.length; i++) {
          if (f.lesionMask[i] && f.rgb[3 * i]! + f.rgb[3 * i + 1]! + f.rgb[3 * i + 2]! < 30) onBlack++;
        }
        expect(onBlack).toBeLessThanOrEqual(1);
        expect(lesionPixels(f)).toBeGreaterThan(0);
      }
    }
  });

  it('looks like a fundus photograph: black corners, orange-red centre, disc on the nasal side', () => {
    for (const seed of [31, 32, 33]) {
      const f = render(0, seed, 224, 168);
      for (const [x, y] of [[0, 0], [0.97, 0], [0, 0.97], [0.97, 0.97]] as const) {
        expect(Math.max(...meanColour(f, x, y, x + 0.03, y + 0.03))).toBeLessThan(12);
      }
      const [r, g, b] = meanColour(f, 0.4, 0.4, 0.6, 0.6);
      expect(r).toBeGreaterThan(80);
      expect(r).toBeGreaterThan(g);
      expect(g).toBeGreaterThan(b);
    }
    // The bright yellow disc is nasal: on the image's left for a left eye, on the right for a right eye.
    for (const eye of ['left', 'right'] as const) {
      for (const seed of [34, 35]) {
        const f = render(0, seed, 192, 192, eye);
        const brightness = Array.from({ length: f.width * f.height }, (_, i) => f.rgb[3 * i]! + f.rgb[3 * i + 1]!);
        const brightest = brightness.map((value, i) => ({ value, x: i % f.width })).sort((p, q) => q.value - p.value).slice(0, 200);
        const meanX = brightest.reduce((sum, p) => sum + p.x, 0) / brightest.length;
        expect(meanX < f.width / 2 ? 'left' : 'right').toBe(eye);
      }
    }
  });

  it('rejects an invalid grade or size', () => {
    expect(() => render(5, 1)).toThrow(/grade/);
    expect(() => render(1.5, 1)).toThrow(/grade/);
    expect(() => render(1, 1, 0, 100)).toThrow(/width/);
    expect(() => renderFundus({ grade: 1, eye: 'both' as Eye, seed: 1, width: 64, height: 64 })).toThrow(/eye/);
  });
});

describe('writeDemoDataset', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gradedesk-demo-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('writes EyePACS-style images, masks and trainLabels.csv matching the manifest', async () => {
    const dir = await tempDir();
    const progress: number[] = [];
    const manifest: DemoManifest = await writeDemoDataset(dir, { count: 7, seed: 3, minSize: 96, maxSize: 160, onImage: (done) => progress.push(done) });
    expect(manifest.dir).toBe(path.resolve(dir));
    expect(manifest.images).toHaveLength(7);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const jpegs = (await readdir(path.join(dir, 'images'))).sort();
    const masks = (await readdir(path.join(dir, 'masks'))).sort();
    expect(jpegs).toEqual(manifest.images.map((i) => `${i.name}.jpeg`).sort());
    expect(masks).toEqual(manifest.images.map((i) => `${i.name}.png`).sort());

    const csv = await readFile(manifest.labelsFile, 'utf8');
    expect(manifest.labelsFile).toBe(path.join(path.resolve(dir), 'trainLabels.csv'));
    expect(csv.endsWith('\n')).toBe(true);
    expect(csv).not.toContain('\r');
    const [header, ...rows] = parse(csv) as string[][];
    expect(header).toEqual(['image', 'level']);
    expect(rows).toEqual(manifest.images.map((i) => [i.name, String(i.grade)]));

    const eyesByPatient = new Map<string, Eye[]>();
    for (const image of manifest.images) eyesByPatient.set(image.patientId, [...(eyesByPatient.get(image.patientId) ?? []), image.eye]);
    expect([...eyesByPatient.values()]).toEqual([
      ['left', 'right'], ['left', 'right'], ['left', 'right'], ['left'],
    ]);
    for (const image of manifest.images) {
      expect(image.name).toBe(`${image.patientId}_${image.eye}`);
      expect(image.patientId).toMatch(/^\d+$/);
      expect(image.grade >= 0 && image.grade <= 4 && Number.isInteger(image.grade)).toBe(true);
      expect(Math.max(image.width, image.height)).toBeGreaterThanOrEqual(96);
      expect(Math.max(image.width, image.height)).toBeLessThanOrEqual(160);
      expect(path.isAbsolute(image.file)).toBe(true);

      const photo = await sharp(image.file).metadata();
      expect([photo.format, photo.width, photo.height, photo.channels]).toEqual(['jpeg', image.width, image.height, 3]);
      const mask = await sharp(image.maskFile).metadata();
      expect([mask.format, mask.width, mask.height, mask.channels]).toEqual(['png', image.width, image.height, 1]);
    }
  });

  it('plans the same dataset for the same seed, with both eyes of a patient within one grade', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    const options = { count: 24, seed: 9, minSize: 48, maxSize: 64 };
    const first = await writeDemoDataset(a, options);
    const second = await writeDemoDataset(b, options);
    const strip = (m: DemoManifest) => m.images.map(({ name, patientId, eye, grade, width, height }) => ({ name, patientId, eye, grade, width, height }));
    expect(strip(second)).toEqual(strip(first));
    expect(await readFile(second.labelsFile, 'utf8')).toBe(await readFile(first.labelsFile, 'utf8'));
    for (let k = 0; k < first.images.length; k += 2) {
      expect(Math.abs(first.images[k]!.grade - first.images[k + 1]!.grade)).toBeLessThanOrEqual(1);
    }
    expect(new Set(first.images.map((i) => i.grade)).size).toBeGreaterThanOrEqual(3);
  });
});
