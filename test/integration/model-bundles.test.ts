// Model bundles between two data directories: a model trained in one (on generated fundus photographs)
// is exported as one file and imported into a project of the other with the same photographs, where it
// predicts what it predicted at home. Bundles that are damaged, cut short, newer, made for another task
// or missing their backbone are refused, and leave no model row and no file behind. Real stores on
// temporary folders, real training, the app operations the api calls, and the CLI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/main/app';
import { Workspace } from '../../src/main/app/workspace';
import { runCli } from '../../src/main/cli/program';
import { writeDemoDataset } from '../../src/main/demo/dataset';
import { initBackend, tf } from '../../src/main/ml/engine/backend';
import { fileSaveHandler } from '../../src/main/ml/backbones/file-handler';
import { readBundle, writeBundle } from '../../src/main/ml/models/bundle/container';
import type { BundleManifest } from '../../src/main/ml/models/bundle/manifest';
import { taskSpecFor, type Project } from '../../src/shared/domain';
import { GradedeskError } from '../../src/shared/errors';
import type { TrainOptions } from '../../src/shared/ml';
import { cliIsBuilt, gradedesk } from '../support/gradedesk-process';

/** Small and quick: 40 labelled photographs of 20 patients, 3 folds, a few epochs at 96 px. */
const QUICK: Partial<TrainOptions> = { inputSize: 96, epochs: 4, validation: { kind: 'k-fold', folds: 3 } };

let root: string;
let home: { workspace: Workspace; app: App; project: Project };
let away: { workspace: Workspace; app: App; project: Project };
let labelled: string;
let unlabelled: string;
let labelsFile: string;
let modelId: number;
let bundle: string;
let exported: Awaited<ReturnType<App['models']['exportBundle']>>;

async function openDataDir(name: string, projectName: string): Promise<{ workspace: Workspace; app: App; project: Project }> {
  const workspace = Workspace.open(path.join(root, name));
  const project = workspace.store.projects.create(projectName, taskSpecFor('dr-grade'));
  await workspace.startImport({ project, folder: labelled, labelsFile }).done;
  await workspace.startImport({ project, folder: unlabelled }).done;
  return { workspace, app: createApp(workspace), project };
}

/** A model's stored predictions by photograph (content hash), as a comparable record. */
function predictionsByPhoto(workspace: Workspace, projectId: number, id: number) {
  const sha = new Map(workspace.store.images.readable(projectId).map((image) => [image.id, image.sha256]));
  return new Map(workspace.store.predictions.forModel(id).map(({ modelId: _m, imageId, ...p }) => [sha.get(imageId)!, p]));
}

function expectSamePredictions(a: ReturnType<typeof predictionsByPhoto>, b: ReturnType<typeof predictionsByPhoto>): void {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [photo, mine] of a) {
    const theirs = b.get(photo)!;
    expect(theirs.predicted, photo).toEqual(mine.predicted);
    expect({ outOfFold: theirs.outOfFold, inTrainingSet: theirs.inTrainingSet }, photo).toEqual({ outOfFold: mine.outOfFold, inTrainingSet: mine.inTrainingSet });
    mine.probabilities!.forEach((p, k) => expect(Math.abs(theirs.probabilities![k]! - p), photo).toBeLessThanOrEqual(1e-6));
    expect(Math.abs(theirs.referable! - mine.referable!)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(theirs.expected! - mine.expected!)).toBeLessThanOrEqual(1e-6);
  }
}

/** What an import could leave behind in a data directory: model rows, model folders, backbones. */
function leftovers(side: typeof away) {
  const dataDir = side.workspace.dataDir;
  const list = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
  return {
    models: side.workspace.store.models.list(side.project.id).map((m) => m.id),
    modelFolders: list(path.join(dataDir, 'models')),
    backbones: side.workspace.engine.backbones.list().map((b) => b.id),
    backboneFolders: list(path.join(dataDir, 'backbones')),
  };
}

async function refusal(work: () => Promise<unknown>): Promise<GradedeskError> {
  const error = await work().then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(GradedeskError);
  return error as GradedeskError;
}

/** A bundle with its manifest changed and a fresh, matching checksum: what a bundle made elsewhere could say. */
function rewritten(source: string, name: string, change: (manifest: BundleManifest) => void): string {
  const opened = readBundle(source);
  const manifest = structuredClone(opened.manifest) as BundleManifest;
  change(manifest);
  const file = path.join(root, name);
  writeBundle(file, manifest, opened.paths.map((entry) => ({ path: entry, data: opened.read(entry) })));
  return file;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-bundles-'));
  const demo = await writeDemoDataset(path.join(root, 'photos'), { count: 40, seed: 23, minSize: 160, maxSize: 224 });
  labelled = path.join(demo.dir, 'images');
  labelsFile = demo.labelsFile;
  unlabelled = path.join((await writeDemoDataset(path.join(root, 'later'), { count: 6, seed: 91, minSize: 160, maxSize: 224 })).dir, 'images');
  home = await openDataDir('home', 'Screening');
  away = await openDataDir('away', 'Clinic');
  const started = home.workspace.startTraining(home.project, QUICK);
  modelId = started.modelId;
  await started.job.done;
  bundle = path.join(root, 'screening.gdmodel');
  exported = await home.app.models.exportBundle({ modelId, file: bundle, withBackbone: true });
}, 300_000);

afterAll(async () => {
  await home?.workspace.close();
  await away?.workspace.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('a model bundle', () => {
  it('is one file with a checksum, the fold heads and what the model was trained on', async () => {
    expect(exported).toMatchObject({ file: bundle, models: 1, backbonesCarried: [] }); // the app's own backbone is never carried
    expect(exported.bytes).toBe(fs.statSync(bundle).size);
    const opened = readBundle(bundle);
    expect(opened.sha256).toBe(exported.sha256);
    const manifest = opened.manifest as BundleManifest;
    const model = home.workspace.store.models.get(modelId);
    expect(manifest.task).toEqual({ kind: 'dr-grade', classes: home.project.task.classes });
    expect(manifest.preprocessing).toBe('fundus-ben-graham-v1');
    expect(manifest.backbones).toEqual([expect.objectContaining({ id: 'mobilenet-v2-nsfwjs', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), files: null })]);
    expect(manifest.backbones[0]!.bytes).toBeGreaterThan(1e6);
    const [entry] = manifest.models;
    expect(entry).toMatchObject({ thresholds: model.thresholds, evaluation: model.evaluation, training: { images: 40, patients: 20 } });
    expect(entry!.training.perClass.reduce((a, b) => a + b)).toBe(40);
    expect(entry!.snapshot).toHaveLength(40);
    expect(opened.paths).toEqual(expect.arrayContaining(['model-1/gradedesk-model.json', 'model-1/fold-0/weights.bin', 'model-1/fold-2/model.json']));
  });

  it('imported into another data directory predicts what the model predicted at home', async () => {
    const imported = await away.app.models.importBundle({ projectId: away.project.id, file: bundle });
    const original = home.workspace.store.models.get(modelId);
    expect(imported).toMatchObject({ projectId: away.project.id, status: 'ready', active: true, name: original.name, head: original.head, backboneId: original.backboneId,
      thresholds: original.thresholds, evaluation: original.evaluation, trainingImages: 40, epochs: original.epochs });
    const result = await away.app.predictions.run({ projectId: away.project.id, modelId: imported.id }).done;
    expect(result).toEqual({ predicted: 6, failed: 0 }); // the 40 it trained on keep the out-of-fold prediction they had at home
    expectSamePredictions(predictionsByPhoto(home.workspace, home.project.id, modelId), predictionsByPhoto(away.workspace, away.project.id, imported.id));

    const queue = away.app.triage.queue({ projectId: away.project.id, order: 'referable', limit: 5, includeReviewed: true });
    expect(queue.modelId).toBe(imported.id);
    expect(queue.items).toHaveLength(5);
    away.app.models.delete({ modelId: imported.id });
  }, 120_000);

  it('is refused when one byte was changed, or when it was cut short, and nothing is imported', async () => {
    const before = leftovers(away);
    const bytes = fs.readFileSync(bundle);
    const tampered = path.join(root, 'tampered.gdmodel');
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 100] ^= 0x01; // inside a fold head's weights
    fs.writeFileSync(tampered, flipped);
    expect((await refusal(() => away.app.models.importBundle({ projectId: away.project.id, file: tampered }))).message).toBe(
      '"tampered.gdmodel" was altered or damaged after it was made: its checksum does not match its content. Ask for a fresh copy of the bundle.',
    );
    const cut = path.join(root, 'cut.gdmodel');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 5000));
    expect((await refusal(() => away.app.models.importBundle({ projectId: away.project.id, file: cut }))).message).toMatch(
      /^"cut.gdmodel" is incomplete: it holds \d+ of the \d+ bytes it should \(was the copy cut short\?\)/,
    );
    expect(leftovers(away)).toEqual(before);
  });

  it('clears the staging folder an import left when it crashed an hour ago, and leaves a younger one (another process may be importing)', async () => {
    const modelsDir = path.join(away.workspace.dataDir, 'models');
    fs.mkdirSync(path.join(modelsDir, '.bundle-crashed', '1'), { recursive: true });
    fs.mkdirSync(path.join(modelsDir, '.bundle-in-flight'), { recursive: true });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(path.join(modelsDir, '.bundle-crashed'), twoHoursAgo, twoHoursAgo);
    const imported = await away.app.models.importBundle({ projectId: away.project.id, file: bundle });
    expect(fs.existsSync(path.join(modelsDir, '.bundle-crashed'))).toBe(false);
    expect(fs.existsSync(path.join(modelsDir, '.bundle-in-flight'))).toBe(true);
    fs.rmSync(path.join(modelsDir, '.bundle-in-flight'), { recursive: true });
    away.app.models.delete({ modelId: imported.id });
  }, 120_000);

  it('is refused by a project with another task', async () => {
    const skin = away.workspace.store.projects.create('Skin', taskSpecFor('multiclass', ['nevus', 'melanoma']));
    const error = await refusal(() => away.app.models.importBundle({ projectId: skin.id, file: bundle }));
    expect(error.message).toMatch(/^"screening.gdmodel" holds a model made for another task \(dr-grade: .*\); project Skin is multiclass: nevus, melanoma\./);
    expect(away.workspace.store.models.list(skin.id)).toEqual([]);
    expect(fs.readdirSync(path.join(away.workspace.dataDir, 'models')).filter((f) => !leftovers(away).modelFolders.includes(f))).toEqual([]);
  });

  it('is refused when it is newer than this version, or needs a preprocessing this version does not have', async () => {
    const before = leftovers(away);
    const newer = path.join(root, 'newer.gdmodel');
    const bytes = fs.readFileSync(bundle);
    fs.writeFileSync(newer, Buffer.concat([Buffer.from('GRADEDESK-BUNDLE 2'), bytes.subarray(bytes.indexOf(0x0a))]));
    const tooNew = await refusal(() => away.app.models.importBundle({ projectId: away.project.id, file: newer }));
    expect(tooNew).toMatchObject({ code: 'unsupported', message: '"newer.gdmodel" was made by a newer Gradedesk (bundle format 2; this version reads format 1). Update Gradedesk to import it.' });
    const unknown = rewritten(bundle, 'unknown-preprocessing.gdmodel', (manifest) => void (manifest.preprocessing = 'fundus-ben-graham-v9'));
    expect((await refusal(() => away.app.models.importBundle({ projectId: away.project.id, file: unknown }))).message).toMatch(
      /^"unknown-preprocessing.gdmodel" needs the image preprocessing "fundus-ben-graham-v9", which this version of Gradedesk does not have/,
    );
    expect(leftovers(away)).toEqual(before);
  });

  it('is refused when the backbone here has other weights than the one the model was trained on', async () => {
    const before = leftovers(away);
    const other = rewritten(bundle, 'other-backbone.gdmodel', (manifest) => void (manifest.backbones[0]!.sha256 = '0'.repeat(64)));
    expect((await refusal(() => away.app.models.importBundle({ projectId: away.project.id, file: other }))).message).toMatch(
      /^"other-backbone.gdmodel" needs the backbone "mobilenet-v2-nsfwjs" \(sha256 000000000000…, \d+\.\d MB\), but the backbone "mobilenet-v2-nsfwjs" here has other weights/,
    );
    expect(leftovers(away)).toEqual(before);
  });
});

describe('a model on a backbone the user added, through the command line', () => {
  let convnetId: number;
  const cli = async (dataDir: string, ...args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--data', dataDir, ...args], { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), interactive: false });
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    // A small random convnet saved as a tfjs layers model: a backbone only the home directory has.
    await initBackend();
    const input = tf.input({ shape: [48, 48, 3] });
    const a = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv_a', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv_b', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(a) as tf.SymbolicTensor;
    const convnet = tf.model({ inputs: input, outputs: b });
    await convnet.save(fileSaveHandler(path.join(root, 'convnet')));
    convnet.dispose();
    home.workspace.engine.backbones.add({ id: 'retina-convnet', location: path.join(root, 'convnet', 'model.json'), format: 'layers', featureLayer: 'conv_b', inputSizes: [48] });
    const started = home.workspace.startTraining(home.project, { ...QUICK, backboneId: 'retina-convnet', inputSize: 48 });
    convnetId = started.modelId;
    await started.job.done;
  }, 180_000);

  it('is refused without its backbone, and leaves nothing behind', async () => {
    const file = path.join(root, 'convnet.gdmodel');
    const exported = await cli(home.workspace.dataDir, 'models', 'export-bundle', '--model', String(convnetId), '--out', file);
    expect(exported.stdout).toMatch(/^Exported model \d+ to .*convnet\.gdmodel \(\d+\.\d MB; sha256 [0-9a-f]{64}\)\.$/m);
    const before = leftovers(away);
    const run = await cli(away.workspace.dataDir, 'models', 'import-bundle', file, '--project', 'Clinic');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/"convnet.gdmodel" needs the backbone "retina-convnet" \(sha256 [0-9a-f]{12}…, \d+\.\d kB\), which this data folder does not have and the bundle does not carry\. Add that backbone first, or ask for a bundle exported with --with-backbone\./);
    expect(leftovers(away)).toEqual(before);
  });

  it('carries the backbone with --with-backbone, and predicts what it predicted at home', async () => {
    const file = path.join(root, 'convnet-with-backbone.gdmodel');
    const exported = await cli(home.workspace.dataDir, 'models', 'export-bundle', '--model', String(convnetId), '--out', file, '--with-backbone');
    expect(exported.stdout).toContain(', with the backbone retina-convnet;');
    const imported = await cli(away.workspace.dataDir, '--json', 'models', 'import-bundle', file, '--project', 'Clinic', '--name', 'Convnet from home');
    expect(imported.stderr).toBe('');
    const model = JSON.parse(imported.stdout) as { id: number; name: string; backboneId: string };
    expect(model).toMatchObject({ name: 'Convnet from home', backboneId: 'retina-convnet' });
    expect(away.workspace.engine.backbones.get('retina-convnet')).toMatchObject({ source: 'file', featureLayer: 'conv_b', inputSizes: [48] });
    expect((await cli(away.workspace.dataDir, 'predict', '--project', 'Clinic', '--model', String(model.id))).code).toBe(0);
    expectSamePredictions(predictionsByPhoto(home.workspace, home.project.id, convnetId), predictionsByPhoto(away.workspace, away.project.id, model.id));
  }, 120_000);

  it('holds an ensemble with all its members', async () => {
    const ensemble = home.app.models.ensemble({ modelIds: [modelId, convnetId] });
    const file = path.join(root, 'ensemble.gdmodel');
    expect(await home.app.models.exportBundle({ modelId: ensemble.id, file, withBackbone: true })).toMatchObject({ models: 3, backbonesCarried: ['retina-convnet'] });
    const imported = await away.app.models.importBundle({ projectId: away.project.id, file });
    expect(imported.members).toHaveLength(2);
    expect(away.app.models.activate({ modelId: imported.id })).toMatchObject({ id: imported.id, active: true });
    await away.app.predictions.run({ projectId: away.project.id, modelId: imported.id }).done;
    expectSamePredictions(predictionsByPhoto(home.workspace, home.project.id, ensemble.id), predictionsByPhoto(away.workspace, away.project.id, imported.id));

    // A failure after the members' rows and folders were written takes them all back.
    const before = leftovers(away);
    const broken = rewritten(file, 'broken-ensemble.gdmodel', (manifest) => Object.assign(manifest.models.at(-1)!, { head: 'regression', referralThreshold: 0.3 }));
    expect((await refusal(() => away.app.models.importBundle({ projectId: away.project.id, file: broken }))).message).toMatch(/gives no probability of referable DR/);
    expect(leftovers(away)).toEqual(before);
  }, 120_000);

  it.skipIf(!cliIsBuilt())('is exported and imported by the gradedesk command', async () => {
    await home.workspace.close();
    await away.workspace.close();
    const file = path.join(root, 'spawned.gdmodel');
    const exported = await gradedesk(path.join(root, 'home'), 'models', 'export-bundle', '--model', String(modelId), '--out', file);
    expect(exported.code, exported.stderr).toBe(0);
    const imported = await gradedesk(path.join(root, 'away'), '--json', 'models', 'import-bundle', file, '--project', 'Clinic');
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ status: 'ready', trainingImages: 40 });
    const refused = await gradedesk(path.join(root, 'away'), 'models', 'import-bundle', path.join(root, 'tampered.gdmodel'), '--project', 'Clinic');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('was altered or damaged after it was made');
    home = { ...home, workspace: Workspace.open(path.join(root, 'home')) };
    away = { ...away, workspace: Workspace.open(path.join(root, 'away')) };
  }, 120_000);
});
