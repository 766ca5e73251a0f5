// The built-in demo project: a folder laid out like the EyePACS (Kaggle DR detection) release, with
// synthetic photographs, their lesion masks and trainLabels.csv holding the true grades.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Eye } from '../../shared/domain';
import { toCsv } from '../export/csv';
import { renderFundus } from './fundus';
import { createRandom, type Random } from '../util/random';

export interface DemoDatasetOptions {
  /** Number of images; patients contribute two eyes, so an odd count leaves the last patient one eye. */
  count: number;
  seed: number;
  /** Long side of the images in pixels, drawn between these bounds (defaults 384 and 768). */
  minSize?: number;
  maxSize?: number;
  /** Called after each image and its mask are on disk. */
  onImage?: (done: number, total: number) => void;
}

export interface DemoImage {
  /** EyePACS image id, e.g. `10017_left`, without extension. */
  name: string;
  file: string;
  maskFile: string;
  patientId: string;
  eye: Eye;
  grade: number;
  width: number;
  height: number;
}

export interface DemoManifest {
  dir: string;
  images: DemoImage[];
  labelsFile: string;
}

/** Share of patients per grade 0..4: balanced enough to train on, with a few more healthy eyes. */
const GRADE_SHARES = [0.3, 0.2, 0.2, 0.15, 0.15];
const EYES: readonly Eye[] = ['left', 'right'];
const JPEG_QUALITY = 90;
/** Images rendered and encoded at the same time: one per core on a two-core machine. */
const CONCURRENCY = 2;

export async function writeDemoDataset(dir: string, options: DemoDatasetOptions): Promise<DemoManifest> {
  const { count, seed, minSize = 384, maxSize = 768, onImage } = options;
  if (!Number.isInteger(count) || count < 1) throw new Error(`The demo needs a whole number of images, at least 1, not ${count}.`);
  if (!Number.isInteger(minSize) || !Number.isInteger(maxSize) || minSize < 32 || maxSize > 8192 || minSize > maxSize) {
    throw new Error(`Image sizes must be whole numbers with 32 ≤ minSize ≤ maxSize ≤ 8192, not ${minSize}..${maxSize}.`);
  }
  const root = path.resolve(dir);
  const imagesDir = path.join(root, 'images');
  const masksDir = path.join(root, 'masks');
  await mkdir(imagesDir, { recursive: true });
  await mkdir(masksDir, { recursive: true });

  const plans = planImages(createRandom(seed), count, minSize, maxSize);
  const images = plans.map(({ name, patientId, eye, grade, width, height }): DemoImage => ({
    name, patientId, eye, grade, width, height,
    file: path.join(imagesDir, `${name}.jpeg`),
    maskFile: path.join(masksDir, `${name}.png`),
  }));

  let nextIndex = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < images.length) {
      const index = nextIndex++;
      const image = images[index]!;
      const { width, height } = image;
      const rendered = renderFundus({ grade: image.grade, eye: image.eye, seed: plans[index]!.renderSeed, width, height });
      await Promise.all([
        sharp(rendered.rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: JPEG_QUALITY }).toFile(image.file),
        sharp(rendered.lesionMask, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(image.maskFile),
      ]);
      onImage?.(++done, images.length);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  const labelsFile = path.join(root, 'trainLabels.csv');
  await writeFile(labelsFile, toCsv(['image', 'level'], images.map((i) => [i.name, i.grade])).text);
  return { dir: root, images, labelsFile };
}

interface ImagePlan {
  name: string;
  patientId: string;
  eye: Eye;
  grade: number;
  width: number;
  height: number;
  renderSeed: number;
}

function planImages(random: Random, count: number, minSize: number, maxSize: number): ImagePlan[] {
  const plans: ImagePlan[] = [];
  // EyePACS patient ids are numbers with gaps between them.
  let patient = 10001 + random.int(0, 999);
  while (plans.length < count) {
    const patientGrade = pickGrade(random);
    for (const eye of EYES) {
      if (plans.length === count) break;
      // Both eyes of a diabetic usually have the same grade, sometimes one step apart.
      const grade = random.chance(0.7) ? patientGrade : clampGrade(patientGrade + random.pick([-1, 1]));
      const long = random.int(minSize, maxSize);
      // Most fundus cameras record a landscape frame; some images are square crops.
      const aspect = random.chance(0.35) ? 1 : random.range(1.2, 1.5);
      plans.push({
        name: `${patient}_${eye}`,
        patientId: String(patient),
        eye,
        grade,
        width: long,
        height: Math.max(32, Math.round(long / aspect)),
        renderSeed: random.int(0, 2 ** 31 - 1),
      });
    }
    patient += random.int(1, 6);
  }
  return plans;
}

function pickGrade(random: Random): number {
  let u = random.next();
  for (let grade = 0; grade < GRADE_SHARES.length; grade++) {
    u -= GRADE_SHARES[grade]!;
    if (u < 0) return grade;
  }
  return GRADE_SHARES.length - 1;
}

function clampGrade(grade: number): number {
  return Math.max(0, Math.min(4, grade));
}
