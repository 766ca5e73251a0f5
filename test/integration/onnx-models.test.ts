// Users' ONNX models: a classifier imported whole through the API and the CLI (the same operation),
// predicting what a hand computation of its weights gives, joining an ensemble, explained by the class
// activation map of its linear last layer; an ONNX backbone; and the clear refusals. The ONNX files are
// small models the tests write themselves.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers, type Handlers } from '../../src/main/api/handlers';
import { Workspace } from '../../src/main/app/workspace';
import { runCli } from '../../src/main/cli/program';
import { featureContext } from '../../src/main/ml/engine/engine';
import { openGradCamSession } from '../../src/main/ml/explain/gradcam-render';
import { ensureFeatures, extractorKey } from '../../src/main/ml/features/extract-features';
import { modelReadyPixels, preprocessorFor } from '../../src/main/ml/features/preprocessing';
import { headForm, modelFeatureContext } from '../../src/main/ml/models/imported-model';
import { readManifest } from '../../src/main/ml/models/model-files';
import { featureRows } from '../../src/main/ml/training/head-data';
import { decodeOutput } from '../../src/main/ml/training/heads';
import { writeJpeg } from '../fixtures/images';
import { referenceFeatures, referenceLogits, referenceMaps, softmax, writeTinyClassifier, type TinyClassifier } from '../fixtures/onnx-models';

const CLASSES = ['nv', 'mel', 'bcc'];
let root: string;
let dataDir: string;
let workspace: Workspace;
let handlers: Handlers;
let projectId: number;
let softmaxFile: string;
let logitsFile: string;
let softmaxModel: TinyClassifier;
let logitsModel: TinyClassifier;

const cli = async (...args: string[]) => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--data', dataDir, ...args], { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), interactive: false });
  return { code, stdout, stderr };
};
const api = async (method: string, request: unknown) => dispatch(handlers, method, request);
const importRequest = (file: string, extra: Record<string, unknown> = {}) => ({ projectId, file, classes: CLASSES, preprocessing: 'unit', decoding: 'softmax', ...extra });

/** The project's images with their model-ready pixels, as the engine prepares them. */
async function preparedImages() {
  const images = workspace.store.images.readable(projectId);
  const preprocessor = preprocessorFor('multiclass');
  return Promise.all(images.map(async (image) => ({ image, pixels: new Uint8Array(await modelReadyPixels(workspace.engine.cacheDir, preprocessor, 32, image)) })));
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-onnx-models-'));
  dataDir = path.join(root, 'data');
  const folder = path.join(root, 'photos');
  for (let i = 0; i < 6; i++) await writeJpeg(path.join(folder, `${10 + i}_left.jpeg`), i + 3, 80, 64);
  softmaxFile = path.join(root, 'classifier.onnx');
  softmaxModel = writeTinyClassifier(softmaxFile, { units: 3, softmax: true, seed: 7 });
  logitsFile = path.join(root, 'logits.onnx');
  logitsModel = writeTinyClassifier(logitsFile, { units: 3, seed: 11 });
  expect((await cli('project', 'create', 'Skin', '--task', 'multiclass', '--classes', CLASSES.join(','))).code).toBe(0);
  expect((await cli('import', folder, '--project', 'Skin')).code).toBe(0);
  workspace = Workspace.open(dataDir);
  handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
  projectId = workspace.store.projects.byName('Skin').id;
}, 120_000);

afterAll(async () => {
  await workspace?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('gradedesk models import', () => {
  let apiModel: number;
  let cliModel: number;
  let logitsId: number;

  it('imports the same classifier through the api and the CLI, its size read from the file', async () => {
    const viaApi = await api('models.importOnnx', importRequest(softmaxFile, { featureOutput: 'features', featureMaps: 'maps', output: 'probabilities' }));
    expect(viaApi.ok).toBe(true);
    apiModel = (viaApi as { value: { id: number } }).value.id;
    const run = await cli('models', 'import', softmaxFile, '--project', 'Skin', '--classes', CLASSES.join(','), '--preprocessing', 'unit', '--decoding', 'softmax',
      '--output', 'probabilities', '--feature-output', 'features', '--feature-maps', 'maps', '--json');
    expect(run.stderr).toBe('');
    cliModel = JSON.parse(run.stdout).id;
    const [a, b] = [workspace.store.models.get(apiModel), workspace.store.models.get(cliModel)];
    for (const model of [a, b]) expect(model).toMatchObject({ status: 'ready', strategy: 'imported', head: 'softmax', inputSize: 32, classes: CLASSES, taskKind: 'multiclass' });
    const [ma, mb] = [readManifest(workspace.store.models.dir(apiModel)), readManifest(workspace.store.models.dir(cliModel))];
    expect(ma.imported).toEqual(mb.imported);
    expect(ma.imported).toMatchObject({ output: 'probabilities', activated: true, featureOutput: 'features', featureMaps: 'maps', decoding: 'softmax' });
    expect(fs.readFileSync(path.join(workspace.store.models.dir(apiModel), 'model.onnx'))).toEqual(fs.readFileSync(softmaxFile));

    const logits = await cli('models', 'import', logitsFile, '--project', 'Skin', '--classes', CLASSES.join(','), '--preprocessing', 'unit', '--decoding', 'softmax', '--output', 'logits', '--json');
    expect(logits.code).toBe(0);
    logitsId = JSON.parse(logits.stdout).id;
    expect(readManifest(workspace.store.models.dir(logitsId)).imported).toMatchObject({ activated: false, featureOutput: null, featureMaps: null });
  });

  it('predicts the probabilities a hand computation of its weights gives', async () => {
    for (const id of [apiModel, logitsId]) {
      const run = await cli('predict', '--project', 'Skin', '--model', String(id));
      expect(run.stderr.split('\n').filter((line) => line.startsWith('gradedesk:'))).toEqual([]);
      expect(run.code).toBe(0);
    }
    const prepared = await preparedImages();
    for (const [id, model] of [[apiModel, softmaxModel], [logitsId, logitsModel]] as const) {
      const predictions = new Map(workspace.store.predictions.forModel(id).map((p) => [p.imageId, p]));
      expect(predictions.size).toBe(prepared.length);
      for (const { image, pixels } of prepared) {
        const expected = softmax(referenceLogits(model, pixels));
        const prediction = predictions.get(image.id)!;
        prediction.probabilities!.forEach((p, k) => expect(p).toBeCloseTo(expected[k]!, 5));
        expect(prediction.predicted).toBe(expected.indexOf(Math.max(...expected)));
        expect(prediction).toMatchObject({ outOfFold: false, inTrainingSet: false });
      }
    }
    // The two files differ, so the comparison above could fail.
    const { pixels } = prepared[0]!;
    expect(Math.abs(softmax(referenceLogits(softmaxModel, pixels))[0]! - softmax(referenceLogits(logitsModel, pixels))[0]!)).toBeGreaterThan(1e-3);
  }, 120_000);

  it('joins an ensemble whose probabilities are the mean of its members', async () => {
    const result = await api('models.ensemble', { modelIds: [apiModel, logitsId] });
    expect(result.ok).toBe(true);
    const ensembleId = (result as { value: { id: number } }).value.id;
    const prepared = await preparedImages();
    const predictions = new Map(workspace.store.predictions.forModel(ensembleId).map((p) => [p.imageId, p]));
    for (const { image, pixels } of prepared) {
      const a = softmax(referenceLogits(softmaxModel, pixels));
      const b = softmax(referenceLogits(logitsModel, pixels));
      predictions.get(image.id)!.probabilities!.forEach((p, k) => expect(p).toBeCloseTo((a[k]! + b[k]!) / 2, 5));
      // Its members were trained elsewhere: no image counts as held out.
      expect(predictions.get(image.id)!.outOfFold).toBe(false);
    }
  });

  it('triages by its uncertainty, is embedded for similar cases from its feature output, and exports with its file', async () => {
    const prepared = await preparedImages();
    // Two graded images per class, each photograph its own patient.
    for (const [i, { image }] of prepared.entries()) {
      expect((await cli('grade', String(image.id), CLASSES[i % 3]!, '--project', 'Skin', '--reader', 'Ana')).code).toBe(0);
    }
    expect((await cli('models', 'activate', String(apiModel))).code).toBe(0);
    const page = JSON.parse((await cli('triage', '--project', 'Skin', '--order', 'uncertainty', '--include-reviewed', '--json')).stdout);
    const entropy = (p: number[]) => -p.reduce((sum, x) => sum + (x > 0 ? x * Math.log(x) : 0), 0);
    const expectedEntropy = new Map(prepared.map(({ image, pixels }) => [image.id, entropy(softmax(referenceLogits(softmaxModel, pixels)))]));
    expect(page.modelId).toBe(apiModel);
    expect(page.items.map((item: { imageId: number }) => item.imageId)).toEqual([...expectedEntropy].sort((a, b) => b[1] - a[1]).map(([id]) => id));

    const embedded = await cli('embed', '--project', 'Skin', '--json');
    expect(embedded.stderr.split('\n').filter((line) => line.startsWith('gradedesk:'))).toEqual([]);
    expect(JSON.parse(embedded.stdout)).toMatchObject({ modelId: apiModel, embedded: prepared.length, failed: 0 });
    expect(workspace.store.embeddings.count(apiModel)).toBe(prepared.length);

    const evaluated = await cli('evaluate', '--project', 'Skin', '--model', String(apiModel));
    expect(evaluated.stderr).toMatch(/was imported from ONNX and trained elsewhere: Gradedesk cannot know which patients it learned from/);

    const exported = await api('models.export', { modelId: apiModel, dir: path.join(root, 'exported') });
    expect((exported as { value: { files: string[] } }).value.files).toEqual(['gradedesk-model.json', 'model.onnx']);
    expect(fs.readFileSync(path.join(root, 'exported', 'model.onnx'))).toEqual(fs.readFileSync(softmaxFile));

    // A bundle carries models trained here: the ONNX file itself is what is shared.
    const bundled = await api('models.exportBundle', { modelId: apiModel, file: path.join(root, 'imported.gdmodel') });
    expect(bundled).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringContaining('was imported from an ONNX file: share that file instead') } });
    expect(fs.existsSync(path.join(root, 'imported.gdmodel'))).toBe(false);
  }, 240_000);

  it('gives the class activation map of its linear last layer as Grad-CAM, and refuses it without --feature-maps', async () => {
    const [{ image, pixels }] = await preparedImages();
    const session = await openGradCamSession(workspace.engine, apiModel);
    try {
      const { map } = await session.map(image!.id, 1);
      const maps = referenceMaps(softmaxModel, pixels);
      const cam = maps[0]!.map((_, p) => Math.max(0, maps.reduce((sum, m, c) => sum + softmaxModel.linearWeight[1 * softmaxModel.channels + c]! * m[p]!, 0)));
      const max = Math.max(...cam);
      expect([map.width, map.height]).toEqual([32, 32]);
      cam.forEach((value, p) => expect(map.values[p]).toBeCloseTo(value / max, 4));
    } finally {
      session.close();
    }
    await expect(openGradCamSession(workspace.engine, logitsId)).rejects.toThrow(/imported from ONNX without --feature-maps; Grad-CAM needs/);
  });

  it('gives embeddings the declared feature output, and says which features are unavailable otherwise', async () => {
    const context = await modelFeatureContext(workspace.engine, workspace.store.models.get(apiModel));
    try {
      const prepared = await preparedImages();
      await ensureFeatures(context, prepared.map((p) => p.image), ['original']);
      const rows = featureRows(workspace.store.features, extractorKey(context), context.extractor.featureDim, prepared.map((p) => p.image), ['original']);
      prepared.forEach(({ pixels }, i) => referenceFeatures(softmaxModel, pixels).forEach((f, c) => expect(rows[i * 4 + c]).toBeCloseTo(f, 5)));
    } finally {
      context.extractor.dispose();
    }
    await expect(modelFeatureContext(workspace.engine, workspace.store.models.get(logitsId))).rejects.toThrow(/without --feature-output, so its features are unavailable/);
  });

  it('refuses, in a sentence, a file it cannot use, and leaves no model behind', async () => {
    const before = workspace.store.models.list(projectId).length;
    const refused = async (request: Record<string, unknown>, pattern: RegExp) => {
      const result = await api('models.importOnnx', request);
      expect(result.ok, JSON.stringify(result)).toBe(false);
      expect((result as { error: { message: string } }).error.message).toMatch(pattern);
    };
    const twoClasses = path.join(root, 'two-classes.onnx');
    writeTinyClassifier(twoClasses, { units: 2, softmax: true });
    await refused(importRequest(twoClasses, { output: 'probabilities' }), /two-classes\.onnx's output probabilities gives 2 values per image; a softmax model of the classes nv, mel, bcc must give one score per class \(3\)/);
    const rank3 = path.join(root, 'rank3.onnx');
    writeTinyClassifier(rank3, { units: 3, rank3Input: true });
    await refused(importRequest(rank3), /rank3\.onnx takes a rank-3 input \[n, 3, 32\]; Gradedesk feeds images as/);
    const unknownOp = path.join(root, 'unknown-op.onnx');
    writeTinyClassifier(unknownOp, { units: 3, linearOp: 'FancyDense' });
    await refused(importRequest(unknownOp), /unknown-op\.onnx uses the operator FancyDense \(opset 13\), which ONNX Runtime cannot run/);
    const garbage = path.join(root, 'garbage.onnx');
    fs.writeFileSync(garbage, Buffer.from('this is not a protobuf at all, just text'));
    await refused(importRequest(garbage), /garbage\.onnx is not an ONNX model ONNX Runtime can read/);
    await refused(importRequest(path.join(root, 'missing.onnx')), /There is no ONNX file at/);
    await refused(importRequest(softmaxFile, { output: 'probabilities', featureOutput: 'penultimate' }), /has no output "penultimate" \(--feature-output\); its outputs are probabilities \[n, 3\], features \[n, 4\], maps \[n, 4, 32, 32\]/);
    await refused(importRequest(softmaxFile, { output: 'probabilities', classes: ['mel', 'nv', 'bcc'] }), /The model's classes \(mel, nv, bcc\) are not Skin's \(nv, mel, bcc\)/);
    await refused(importRequest(softmaxFile), /has 3 outputs \(probabilities, features, maps\); say which gives the class scores with --output/);
    await refused(importRequest(softmaxFile, { output: 'probabilities', decoding: 'ordinal' }), /multiclass project; an imported model there decodes its output as softmax, not ordinal/);
    const nonLinear = path.join(root, 'non-linear.onnx');
    writeTinyClassifier(nonLinear, { units: 3, reluAfterLinear: true });
    await refused(importRequest(nonLinear, { output: 'logits', featureMaps: 'maps' }), /Grad-CAM of non-linear\.onnx would need gradients, which ONNX Runtime does not compute; .*the linear layer is followed by Relu before logits/);
    const external = path.join(root, 'external.onnx');
    writeTinyClassifier(external, { units: 3, externalWeights: 'external-weights.bin' });
    await refused(importRequest(external, { output: 'logits' }), /external\.onnx keeps its weights in separate files \(ONNX external data\), which Gradedesk would not copy with it/);
    expect(workspace.store.models.list(projectId).length).toBe(before);
    // The CLI says the same sentence.
    const run = await cli('models', 'import', twoClasses, '--project', 'Skin', '--classes', CLASSES.join(','), '--preprocessing', 'unit', '--decoding', 'softmax', '--output', 'probabilities');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/gives 2 values per image/);
  });
});

describe('decoding an imported output', () => {
  it('turns cumulative ordinal logits into class probabilities, and a regressed grade into a grade with no invented probabilities', () => {
    const cumulative = [2, 0, -1, -3];
    const sig = cumulative.map((x) => 1 / (1 + Math.exp(-x)));
    const decoded = decodeOutput('ordinal', headForm({ decoding: 'ordinal', activated: false }, cumulative), null, true);
    const expected = [1 - sig[0]!, sig[0]! - sig[1]!, sig[1]! - sig[2]!, sig[2]! - sig[3]!, sig[3]!];
    decoded.probabilities!.forEach((p, k) => expect(p).toBeCloseTo(expected[k]!, 10));
    expect(decoded.predicted).toBe(expected.indexOf(Math.max(...expected)));
    const regression = decodeOutput('regression', headForm({ decoding: 'regression', activated: false }, [2.7]), [0.5, 1.5, 2.4, 3.5], true);
    expect(regression).toMatchObject({ predicted: 3, expected: 2.7, probabilities: null, referable: null });
  });
});

describe('gradedesk backbones add with an ONNX file', () => {
  it('adds a backbone whose input size comes from the file, and extracts its features output', async () => {
    const run = await cli('backbones', 'add', 'tiny-onnx', logitsFile, '--feature-output', 'features', '--json');
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ id: 'tiny-onnx', format: 'onnx', source: 'file', inputSizes: [32], defaultInputSize: 32, featureLayer: 'features' });
    const context = await featureContext(workspace.engine, 'tiny-onnx', 32, 'multiclass');
    try {
      const prepared = await preparedImages();
      await ensureFeatures(context, prepared.map((p) => p.image), ['original']);
      const rows = featureRows(workspace.store.features, extractorKey(context), 4, prepared.map((p) => p.image), ['original']);
      prepared.forEach(({ pixels }, i) => referenceFeatures(logitsModel, pixels).forEach((f, c) => expect(rows[i * 4 + c]).toBeCloseTo(f, 5)));
      expect(() => context.extractor.maps(undefined as never)).toThrow(/runs through ONNX Runtime, which gives its features but not convolutional maps for Grad-CAM/);
    } finally {
      context.extractor.dispose();
    }
  });

  it('trains a head on its frozen features, and refuses fine-tuning it in a sentence', async () => {
    const folder = path.join(root, 'training-photos');
    const rows = ['file,label'];
    for (let i = 0; i < 12; i++) {
      await writeJpeg(path.join(folder, `${40 + i}_left.jpeg`), 100 + i, 72, 60);
      rows.push(`${40 + i}_left.jpeg,${i % 2 ? 'mel' : 'nv'}`);
    }
    fs.writeFileSync(path.join(root, 'training-labels.csv'), rows.join('\n') + '\n');
    expect((await cli('project', 'create', 'Lesions', '--task', 'multiclass', '--classes', 'nv,mel')).code).toBe(0);
    expect((await cli('import', folder, '--project', 'Lesions', '--labels', path.join(root, 'training-labels.csv'))).code).toBe(0);
    const trained = await cli('train', '--project', 'Lesions', '--backbone', 'tiny-onnx', '--size', '32', '--epochs', '2', '--holdout', '0.3', '--json');
    expect(trained.stderr.split('\n').filter((line) => line.startsWith('gradedesk:'))).toEqual([]);
    expect(JSON.parse(trained.stdout)).toMatchObject({ status: 'ready', backboneId: 'tiny-onnx', inputSize: 32 });
    const models = workspace.store.models.list(workspace.store.projects.byName('Lesions').id).length;
    const fineTune = await api('training.start', { projectId: workspace.store.projects.byName('Lesions').id, options: { backboneId: 'tiny-onnx', inputSize: 32, strategy: 'fine-tune' } });
    expect((fineTune as { error: { message: string } }).error.message).toMatch(/tiny-onnx is an ONNX model, which ONNX Runtime runs without gradients, so it cannot be fine-tuned; train a head on its frozen features instead/);
    expect(workspace.store.models.list(workspace.store.projects.byName('Lesions').id)).toHaveLength(models);
  }, 240_000);

  it('refuses an output the file does not have, and a file with the wrong input', async () => {
    const missing = await api('backbones.add', { id: 'no-such-output', location: logitsFile, format: 'onnx', featureLayer: 'penultimate' });
    expect((missing as { error: { message: string } }).error.message).toMatch(/logits\.onnx has no output "penultimate" \(--feature-output\)/);
    const rank3 = path.join(root, 'rank3-backbone.onnx');
    writeTinyClassifier(rank3, { units: 3, rank3Input: true });
    const run = await cli('backbones', 'add', 'rank3', rank3, '--feature-output', 'features');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/takes a rank-3 input/);
    expect(workspace.engine.backbones.list().map((b) => b.id)).not.toContain('rank3');
    const again = await api('backbones.add', { id: 'tiny-onnx', location: path.join(root, 'not-there.onnx'), format: 'onnx', featureLayer: 'features' });
    expect((again as { error: { message: string } }).error.message).toBe('A backbone "tiny-onnx" already exists.');
    const url = await api('backbones.add', { id: 'remote', location: 'https://example.org/model.onnx', format: 'onnx', featureLayer: 'features' });
    expect((url as { error: { message: string } }).error.message).toMatch(/An ONNX backbone is added from a \.onnx file on this computer/);
  });
});
