// Grad-CAM against ground truth: the demo photographs are drawn with their lesion masks, so where a
// model trained on them looks can be checked. For images of grade ≥ 2, the hottest 10% of the map
// must fall on lesions clearly more often than a uniform map would, image after image. (The pointing
// game is reported by `npm run bench -- gradcam`: the demo's lesions are so scattered that a random
// pixel is within 3% of the input's width of one a quarter of the time, too close to assert against.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSpecFor } from '../../src/shared/domain';
import { writeDemoDataset, type DemoManifest } from '../../src/main/demo/dataset';
import { lesionMaskInModelFrame, measureLocalisation } from '../../src/main/ml/explain/gradcam-localisation';
import { openGradCamSession } from '../../src/main/ml/explain/gradcam-render';
import { Workspace } from '../../src/main/app/workspace';

/** 7 × 7 maps: at 128 px (4 × 4) a map is too coarse to tell one quadrant's lesions from another's. */
const INPUT_SIZE = 224;

let root: string;
let demo: DemoManifest;
let workspace: Workspace;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-gradcam-lesions-'));
  demo = await writeDemoDataset(path.join(root, 'photos'), { count: 120, seed: 53, minSize: 320, maxSize: 480 });
  workspace = Workspace.open(path.join(root, 'data'));
}, 120_000);

afterAll(async () => {
  await workspace?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('Grad-CAM on the demo lesions', () => {
  it('carries a lesion mask into the model input frame, inside the fundus', async () => {
    const severe = demo.images.find((image) => image.grade >= 3)!;
    const mask = await lesionMaskInModelFrame(fs.readFileSync(severe.file), fs.readFileSync(severe.maskFile), INPUT_SIZE);
    const count = (a: Uint8Array) => a.reduce((n, v) => n + v, 0);
    const fundusShare = count(mask.fundus) / mask.fundus.length;
    // A circle fitted to the square covers π/4 of it (less the 4% rim the preprocessing greys out).
    expect(fundusShare).toBeGreaterThan(0.65);
    expect(fundusShare).toBeLessThan(0.79);
    const lesionShare = count(mask.lesion) / count(mask.fundus);
    expect(lesionShare).toBeGreaterThan(0.005);
    expect(lesionShare).toBeLessThan(0.2);
    expect(mask.lesion.every((v, i) => v === 0 || mask.fundus[i] === 1)).toBe(true);

    const healthy = demo.images.find((image) => image.grade === 0)!;
    const none = await lesionMaskInModelFrame(fs.readFileSync(healthy.file), fs.readFileSync(healthy.maskFile), INPUT_SIZE);
    expect(count(none.lesion)).toBe(0);
  });

  it('puts the hottest 10% of grade ≥ 2 maps on lesions clearly more than a uniform map', async () => {
    const project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
    await workspace.startImport({ project, folder: path.join(demo.dir, 'images'), labelsFile: demo.labelsFile }).done;
    const { modelId, job } = workspace.startTraining(project, { inputSize: INPUT_SIZE, epochs: 15 });
    await job.done;

    const maskOf = new Map(demo.images.map((image) => [path.basename(image.file), image.maskFile]));
    const diseased = workspace.store.images
      .readable(project.id)
      .filter((image) => (image.label as number) >= 2)
      .map((image) => ({ imageId: image.id, photograph: image.path, maskFile: maskOf.get(path.basename(image.path))! }));
    expect(diseased.length).toBeGreaterThan(40);

    const session = await openGradCamSession(workspace.engine, modelId);
    try {
      const summary = await measureLocalisation(session, diseased);
      expect(summary.meanHotShare).toBeGreaterThan(1.4 * summary.meanUniformShare);
      expect(summary.beatsUniform / summary.images).toBeGreaterThan(0.6);
    } finally {
      session.close();
    }
  }, 600_000);
});
