// Grad-CAM media by id: the query that names the model and class, and what the desktop protocol answers
// for cached, missing, stale and foreign maps. The maps are planted PNGs; making real ones needs a
// trained model (test/integration/gradcam.test.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleMediaRequest, parseMediaUrl } from '../../src/main/desktop/media-protocol';
import { parseMediaPath } from '../../src/main/bridge/media-route';
import { parseMediaQuery } from '../../src/main/media';
import { dropStaleGradCam, dropStaleGradCams } from '../../src/main/ml/explain/gradcam-cache';
import { gradCamFiles } from '../../src/main/ml/explain/gradcam-render';
import { Workspace } from '../../src/main/app/workspace';
import { taskSpecFor, type Project } from '../../src/shared/domain';
import { defaultTrainOptions } from '../../src/shared/ml';
import { writeJpeg } from '../fixtures/images';

const query = (text: string) => new URLSearchParams(text);

describe('the query of a Grad-CAM media URL', () => {
  it('names a model and a class for a heat map, and a model only for the model input', () => {
    expect(parseMediaQuery('gradcam', query('model=7&class=3'))).toEqual({ ok: true, model: { modelId: 7, targetClass: 3 } });
    expect(parseMediaQuery('gradcam', query('class=0&model=12'))).toEqual({ ok: true, model: { modelId: 12, targetClass: 0 } });
    expect(parseMediaQuery('model-input', query('model=7'))).toEqual({ ok: true, model: { modelId: 7, targetClass: null } });
  });

  it('ignores the query of the image’s own kinds', () => {
    for (const kind of ['thumbnail', 'display', 'preprocessed'] as const) {
      expect(parseMediaQuery(kind, query('model=x&anything=1'))).toEqual({ ok: true, model: null });
    }
  });

  it.each([
    ['no query', 'gradcam', '', /model is missing/],
    ['no class', 'gradcam', 'model=3', /class is missing/],
    ['no model', 'gradcam', 'class=1', /model is missing/],
    ['a model of zero', 'gradcam', 'model=0&class=1', /"0" is not a model id/],
    ['a negative model', 'gradcam', 'model=-2&class=1', /not a model id/],
    ['a fractional model', 'gradcam', 'model=2.5&class=1', /not a model id/],
    ['a model with a leading zero', 'gradcam', 'model=02&class=1', /not a model id/],
    ['a model in hex', 'gradcam', 'model=0x10&class=1', /not a model id/],
    ['a model beyond the safe integers', 'gradcam', 'model=9999999999999999&class=1', /not a model id/],
    ['an empty model', 'gradcam', 'model=&class=1', /not a model id/],
    ['a negative class', 'gradcam', 'model=2&class=-1', /not a class index/],
    ['a class with a leading zero', 'gradcam', 'model=2&class=01', /not a class index/],
    ['a class in words', 'gradcam', 'model=2&class=severe', /not a class index/],
    ['a huge class', 'gradcam', 'model=2&class=10000', /not a class index/],
    ['a class with spaces', 'gradcam', 'model=2&class=%201', /not a class index/],
    ['a repeated model', 'gradcam', 'model=2&model=3&class=1', /"model" is given more than once/],
    ['a repeated class', 'gradcam', 'model=2&class=1&class=1', /"class" is given more than once/],
    ['an unknown parameter', 'gradcam', 'model=2&class=1&path=/etc/passwd', /"path" is not part of a gradcam address/],
    ['a class for the model input', 'model-input', 'model=2&class=1', /"class" is not part of a model-input address/],
    ['no model for the model input', 'model-input', '', /model is missing/],
  ] as const)('refuses %s, saying how to ask', (_what, kind, text, problem) => {
    const parsed = parseMediaQuery(kind, query(text));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toMatch(problem);
    expect(parsed.problem).toContain(`/${kind}/<image id>?model=<model id>`);
  });

  it('routes the new kinds by image id in both the bridge and the desktop protocol', () => {
    expect(parseMediaPath('model-input/5')).toEqual({ kind: 'model-input', imageId: 5 });
    expect(parseMediaPath('gradcam/5')).toEqual({ kind: 'gradcam', imageId: 5 });
    expect(parseMediaUrl('gradedesk://media/model-input/5?model=2')).toEqual({ kind: 'model-input', imageId: 5 });
    expect(parseMediaUrl('gradedesk://media/gradcam/5?model=2&class=1')).toEqual({ kind: 'gradcam', imageId: 5 });
    for (const rest of ['model-/5', '-input/5', 'model--input/5', 'Model-Input/5', 'gradcam/5/x']) expect(parseMediaPath(rest), rest).toBeNull();
  });
});

describe('Grad-CAM media through the gradedesk: protocol', () => {
  let root: string;
  let workspace: Workspace;
  let project: Project;
  let imageId: number;
  let modelId: number;
  let foreignModelId: number;

  const get = (url: string, headers: Record<string, string> = {}) => handleMediaRequest(workspace, new Request(url, { headers }));
  const png = (width: number, channels: 3 | 4) =>
    sharp({ create: { width, height: width, channels, background: channels === 4 ? { r: 255, g: 0, b: 0, alpha: 0.5 } : { r: 90, g: 60, b: 40 } } }).png().toBuffer();
  const plant = async (file: string, data: Buffer) => {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, data);
  };
  const newModel = (target: Project) =>
    workspace.store.models.create({
      projectId: target.id,
      name: 'planted',
      taskKind: target.task.kind,
      classes: target.task.classes,
      options: defaultTrainOptions(target.task.kind),
      preprocessing: 'none',
      modelsDir: path.join(workspace.dataDir, 'models'),
    });

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-gradcam-media-'));
    const folder = path.join(root, 'photos');
    await writeJpeg(path.join(folder, '301_left.jpeg'), 4);
    workspace = Workspace.open(path.join(root, 'data'));
    project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
    await workspace.startImport({ project, folder }).done;
    imageId = workspace.store.images.byPath(project.id, path.join(folder, '301_left.jpeg'))!.id;
    modelId = newModel(project);
    foreignModelId = newModel(workspace.store.projects.create('Skin', taskSpecFor('multiclass', ['nv', 'mel'])));
    const files = gradCamFiles(workspace.cacheDir, modelId, imageId, 3);
    await plant(files.heatmap, await png(448, 4));
    await plant(files.input, await png(448, 3));
    // The map carried back onto the photograph, as a heat map and as an outline.
    await plant(files.photo, await png(448, 4));
    await plant(files.outline, await png(448, 4));
  });

  afterAll(async () => {
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('serves the cached heat map (on the model input and on the photograph), its outline and the model input as PNGs, with the other media’s caching headers', async () => {
    for (const url of [
      `gradedesk://media/gradcam/${imageId}?model=${modelId}&class=3`,
      `gradedesk://media/gradcam-photo/${imageId}?model=${modelId}&class=3`,
      `gradedesk://media/gradcam-outline/${imageId}?model=${modelId}&class=3`,
      `gradedesk://media/model-input/${imageId}?model=${modelId}`,
    ]) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('cache-control')).toBe('private, no-cache');
      expect(response.headers.get('etag')).toMatch(/^"(gradcam|gradcam-photo|gradcam-outline|model-input)-/);
      const body = Buffer.from(await response.arrayBuffer());
      expect((await sharp(body).metadata()).width).toBe(448);
    }
  });

  it('revalidates by ETag, and the heat map’s ETag differs from the input’s', async () => {
    const heat = await get(`gradedesk://media/gradcam/${imageId}?model=${modelId}&class=3`);
    const input = await get(`gradedesk://media/model-input/${imageId}?model=${modelId}`);
    expect(heat.headers.get('etag')).not.toBe(input.headers.get('etag'));
    const again = await get(`gradedesk://media/gradcam/${imageId}?model=${modelId}&class=3`, { 'If-None-Match': heat.headers.get('etag')! });
    expect(again.status).toBe(304);
  });

  it.each([
    ['a bad query', () => `gradedesk://media/gradcam/${imageId}?model=${modelId}`, /class is missing/],
    ['an unknown model', () => `gradedesk://media/gradcam/${imageId}?model=987654&class=3`, /There is no model 987654/],
    ['a class the model does not have', () => `gradedesk://media/gradcam/${imageId}?model=${modelId}&class=5`, /has no class 5; its classes are 0–4/],
    ['a map not made yet', () => `gradedesk://media/gradcam/${imageId}?model=${modelId}&class=1`, /no Grad-CAM of image .* for class 1 yet/],
    ['a model of another project', () => `gradedesk://media/gradcam/${imageId}?model=${foreignModelId}&class=0`, /belongs to another project/],
    ['an unknown image', () => `gradedesk://media/model-input/987654?model=${modelId}`, /No such image|no image/i],
  ])('answers 404 with a clear sentence for %s', async (_what, url, sentence) => {
    const response = await get(url());
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toMatch(sentence);
  });

  it('treats files older than their model as another model’s (ids are reused after a delete)', async () => {
    const files = gradCamFiles(workspace.cacheDir, modelId, imageId, 3);
    const before = new Date(Date.parse(workspace.store.models.get(modelId).createdAt) - 60_000);
    await fs.utimes(files.heatmap, before, before);
    try {
      expect((await get(`gradedesk://media/gradcam/${imageId}?model=${modelId}&class=3`)).status).toBe(404);
      expect((await get(`gradedesk://media/model-input/${imageId}?model=${modelId}`)).status).toBe(200);
    } finally {
      const now = new Date();
      await fs.utimes(files.heatmap, now, now);
    }
    expect((await get(`gradedesk://media/gradcam/${imageId}?model=${modelId}&class=3`)).status).toBe(200);
  });
});

describe('Grad-CAM files left by an earlier model with the same id', () => {
  it('are removed, one image’s or the whole folder’s, while this model’s own stay', async () => {
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-gradcam-stale-'));
    try {
      const model = { id: 3, createdAt: new Date().toISOString() };
      const old = new Date(Date.parse(model.createdAt) - 3_600_000);
      const files = [gradCamFiles(cacheDir, 3, 1, 2), gradCamFiles(cacheDir, 3, 2, 0)].flatMap((f) => [f.heatmap, f.input]);
      for (const file of files) {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, 'png');
        await fs.utimes(file, old, old);
      }
      const fresh = gradCamFiles(cacheDir, 3, 2, 4).heatmap;
      await fs.writeFile(fresh, 'png');
      const exists = (file: string) => fs.access(file).then(() => true, () => false);

      dropStaleGradCam(cacheDir, model, 1, 2);
      expect(await Promise.all(files.map(exists))).toEqual([false, false, true, true]);
      dropStaleGradCams(cacheDir, model);
      expect(await Promise.all(files.map(exists))).toEqual([false, false, false, false]);
      expect(await exists(fresh)).toBe(true);
      dropStaleGradCams(cacheDir, { id: 99, createdAt: model.createdAt }); // no folder: nothing to do
    } finally {
      await fs.rm(cacheDir, { recursive: true, force: true });
    }
  });
});
