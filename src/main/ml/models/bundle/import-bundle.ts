// Importing a model bundle into a project: every check first (the file, its task, its preprocessing, its
// backbones), then the files staged beside the models folder, then the rows written in one transaction
// with the folders renamed into place inside it. A refusal or a failure leaves no row and no file.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Project } from '../../../../shared/domain';
import { GradedeskError, invalid } from '../../../../shared/errors';
import type { ModelDetail, Prediction } from '../../../../shared/ml';
import type { Engine } from '../../engine/engine';
import { PREPROCESSING_IDS, preprocessorFor } from '../../features/preprocessing';
import type { ModelManifest } from '../model-files';
import { backboneFiles, filesOf } from './backbone-files';
import { readBundle, type OpenedBundle } from './container';
import { bundleManifestSchema, type BackboneReference, type BundledModel, type BundleManifest } from './manifest';

export interface BundleImportRequest {
  project: Project;
  file: string;
  /** The imported model's name; the bundle's by default. */
  name?: string;
}

/** The imported model (an ensemble: the ensemble, its members imported before it). */
const STAGING_PREFIX = '.bundle-';
/** Older than this, a staging folder was left by an import that crashed; a younger one may be another process's. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

function removeAbandonedStaging(modelsDir: string): void {
  for (const entry of fs.readdirSync(modelsDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(STAGING_PREFIX)) continue;
    const dir = path.join(modelsDir, entry.name);
    if (Date.now() - fs.statSync(dir).mtimeMs > ABANDONED_AFTER_MS) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function importBundle(engine: Engine, request: BundleImportRequest): Promise<ModelDetail> {
  const { store } = engine;
  const opened = readBundle(request.file);
  const name = path.basename(request.file);
  const manifest = parseManifest(opened, name);
  checkTask(manifest, request.project, name);
  const backbones = await backbonesToAdd(engine, manifest, name);
  checkModels(manifest, opened, name);

  fs.mkdirSync(engine.modelsDir, { recursive: true });
  removeAbandonedStaging(engine.modelsDir);
  const staging = path.join(engine.modelsDir, `${STAGING_PREFIX}${randomBytes(6).toString('hex')}`);
  const placed: string[] = [];
  try {
    for (const entry of opened.paths) writeFile(path.join(staging, ...entry.split('/')), opened.read(entry));
    for (const model of manifest.models) if (!model.members) checkStagedModel(path.join(staging, model.key), model, manifest, name);
    for (const backbone of backbones) checkStagedBackbone(stagedModelJson(staging, backbone), backbone, name);

    const modelId = store.transaction(() => {
      for (const backbone of backbones) {
        // A carried backbone becomes a backbone from disk, kept in the data folder (not the cache).
        const home = path.join(engine.dataDir, 'backbones', `${backbone.id}-${backbone.sha256.slice(0, 12)}`);
        fs.rmSync(home, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(home), { recursive: true });
        fs.renameSync(path.dirname(stagedModelJson(staging, backbone)), home);
        placed.push(home);
        const { id, name: backboneName, format, featureLayer, inputSizes, defaultInputSize, normalisation } = backbone;
        engine.backbones.add({ id, name: backboneName, location: path.join(home, 'model.json'), format, featureLayer, inputSizes, defaultInputSize, normalisation });
      }
      const ids = new Map<string, number>();
      for (const model of manifest.models) {
        const id = addModel(engine, request.project, manifest, model, ids, model === manifest.models.at(-1) ? request.name : undefined);
        ids.set(model.key, id);
        if (model.members) continue;
        const dir = store.models.dir(id);
        fs.rmSync(dir, { recursive: true, force: true }); // a leftover of a deleted model with this id
        fs.renameSync(path.join(staging, model.key), dir);
        placed.push(dir);
      }
      return ids.get(manifest.models.at(-1)!.key)!;
    });
    return store.models.get(modelId);
  } catch (error) {
    for (const dir of placed) fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function parseManifest(opened: OpenedBundle, name: string): BundleManifest {
  const parsed = bundleManifestSchema.safeParse(opened.manifest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`"${name}" describes its model in a way this version of Gradedesk does not understand (at "${issue.path.join('.')}": ${issue.message}).`);
  }
  return parsed.data;
}

/** The model must answer the project's question: the same task kind, the same classes in the same order, the same preprocessing. */
function checkTask(manifest: BundleManifest, project: Project, name: string): void {
  const { kind, classes } = manifest.task;
  if (kind !== project.task.kind || JSON.stringify(classes) !== JSON.stringify(project.task.classes)) {
    throw invalid(
      `"${name}" holds a model made for another task (${kind}: ${classes.join(', ')}); project ${project.name} is ${project.task.kind}: ${project.task.classes.join(', ')}. ` +
        'A model is imported only into a project with the same task and classes.',
    );
  }
  if (!PREPROCESSING_IDS.includes(manifest.preprocessing)) {
    throw new GradedeskError('unsupported', `"${name}" needs the image preprocessing "${manifest.preprocessing}", which this version of Gradedesk does not have (it has ${PREPROCESSING_IDS.join(', ')}).`);
  }
  const own = preprocessorFor(project.task.kind).id;
  if (manifest.preprocessing !== own) {
    throw invalid(`"${name}" holds a model whose images were prepared with "${manifest.preprocessing}"; project ${project.name} prepares its images with "${own}".`);
  }
}

/**
 * Each backbone must be here with the same content, or carried by the bundle and not here at all.
 * Returns the carried ones to add.
 */
async function backbonesToAdd(engine: Engine, manifest: BundleManifest, name: string): Promise<BackboneReference[]> {
  const toAdd: BackboneReference[] = [];
  for (const reference of manifest.backbones) {
    const here = engine.backbones.list().find((b) => b.id === reference.id);
    const described = `the backbone "${reference.id}" (sha256 ${reference.sha256.slice(0, 12)}…, ${megabytes(reference.bytes)})`;
    if (!here) {
      if (!reference.files) {
        throw new GradedeskError('not-found', `"${name}" needs ${described}, which this data folder does not have and the bundle does not carry. Add that backbone first, or ask for a bundle exported with --with-backbone.`);
      }
      toAdd.push(reference);
      continue;
    }
    const files = await backboneFiles(engine.backbones, engine.backbones.get(reference.id));
    if (files.sha256 !== reference.sha256) {
      throw new GradedeskError('conflict', `"${name}" needs ${described}, but the backbone "${reference.id}" here has other weights (sha256 ${files.sha256.slice(0, 12)}…, ${megabytes(files.bytes)}).`);
    }
    const sizes = new Set(manifest.models.filter((m) => m.backboneId === reference.id).map((m) => m.inputSize));
    const missing = [...sizes].filter((size) => !here.inputSizes.includes(size));
    if (missing.length > 0) {
      throw invalid(`"${name}" has a model that takes ${missing.join(', ')} px images, but the backbone "${reference.id}" here is registered for ${here.inputSizes.join(', ')} px.`);
    }
  }
  return toAdd;
}

/** The bundle's own consistency: members before their ensemble, known backbones, every named file present. */
function checkModels(manifest: BundleManifest, opened: OpenedBundle, name: string): void {
  const keys = new Set<string>();
  const files = new Set(opened.paths);
  for (const model of manifest.models) {
    if (keys.has(model.key)) throw invalid(`"${name}" names the model ${model.key} twice.`);
    if (model.members ? model.members.some((member) => !keys.has(member)) : !manifest.backbones.some((b) => b.id === model.backboneId)) {
      throw invalid(`"${name}" describes the model ${model.key} with parts it does not hold.`);
    }
    const missing = [...model.files, ...(model.members ? [] : [`${model.key}/gradedesk-model.json`])].find((file) => !files.has(file));
    if (missing) throw invalid(`"${name}" lacks the file ${missing} its manifest names.`);
    keys.add(model.key);
  }
}

/** The staged model folder must be one that predicts with this bundle's task and fold heads. */
function checkStagedModel(dir: string, model: BundledModel, manifest: BundleManifest, name: string): void {
  let own: ModelManifest;
  try {
    own = JSON.parse(fs.readFileSync(path.join(dir, 'gradedesk-model.json'), 'utf8')) as ModelManifest;
  } catch {
    throw invalid(`"${name}" holds an unreadable model manifest for ${model.key}.`);
  }
  const consistent = own.format === 'gradedesk-model/1' && own.head === model.head && own.preprocessing === manifest.preprocessing &&
    JSON.stringify(own.classes) === JSON.stringify(manifest.task.classes) && Array.isArray(own.heads) && own.heads.length > 0 &&
    own.heads.every((head) => /^fold-\d+$/.test(head) && fs.existsSync(path.join(dir, head, 'model.json')) && fs.existsSync(path.join(dir, head, 'weights.bin')));
  if (!consistent) throw invalid(`"${name}" holds a model ${model.key} whose own manifest disagrees with the bundle's or whose fold heads are missing.`);
}

function checkStagedBackbone(modelJsonPath: string, reference: BackboneReference, name: string): void {
  const staged = filesOf(modelJsonPath);
  if (staged.sha256 !== reference.sha256 || staged.files.length !== reference.files!.length) {
    throw invalid(`"${name}" carries the backbone "${reference.id}", but its files are not the ones it names.`);
  }
}

function addModel(engine: Engine, project: Project, manifest: BundleManifest, model: BundledModel, ids: Map<string, number>, name: string | undefined): number {
  const { store } = engine;
  const members = model.members?.map((key) => ids.get(key)!);
  const id = store.models.create({
    projectId: project.id,
    name: name ?? model.name,
    taskKind: manifest.task.kind,
    classes: manifest.task.classes,
    options: { ...model.options, backboneId: model.backboneId, inputSize: model.inputSize, head: model.head },
    preprocessing: manifest.preprocessing,
    modelsDir: engine.modelsDir,
    ...(members ? { members } : {}),
  });
  for (const epoch of model.epochs) store.models.recordEpoch(id, epoch);
  // The same photographs here (by content) are known as trained on, with the label they were trained with.
  const imagesBySha = new Map<string, number[]>();
  for (const image of store.images.readable(project.id)) imagesBySha.set(image.sha256, [...(imagesBySha.get(image.sha256) ?? []), image.id]);
  const here = (sha256: string) => imagesBySha.get(sha256) ?? [];
  store.models.saveTrainingImages(id, model.snapshot.flatMap(({ sha256, label, fold }) => here(sha256).map((imageId) => ({ imageId, label, fold }))));
  store.predictions.save(
    model.outOfFold.flatMap(({ sha256, ...prediction }) => here(sha256).map((imageId): Prediction => ({ modelId: id, imageId, ...prediction, outOfFold: true, inTrainingSet: true }))),
  );
  store.models.finish(id, { status: 'ready', thresholds: model.thresholds, evaluation: model.evaluation });
  if (model.referralThreshold !== null) store.models.setReferralThreshold(id, model.referralThreshold);
  return id;
}

/** Where a carried backbone's model.json was staged (its first file). */
const stagedModelJson = (staging: string, backbone: BackboneReference) => path.join(staging, ...backbone.files![0]!.split('/'));

function writeFile(file: string, data: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

const megabytes = (bytes: number) => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`);
