// Exporting a finished model as one bundle file: its fold heads (an ensemble: every member's), what it
// was trained on and measured with, and its backbone by content, or the backbone itself on request.
import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError } from '../../../../shared/errors';
import type { ModelDetail } from '../../../../shared/ml';
import type { Store } from '../../../store';
import { errorCode, writeProblem } from '../../../export/write-problems';
import type { BackboneRegistry } from '../../backbones/registry';
import { snapshotLabels } from '../ensemble';
import { readManifest } from '../model-files';
import { backboneFiles } from './backbone-files';
import { writeBundle, type BundleEntry } from './container';
import type { BackboneReference, BundledModel, BundleManifest } from './manifest';

export interface BundleExportRequest {
  modelId: number;
  file: string;
  /** Carry the weights of a backbone the user added (the app's bundled backbone is never carried). */
  withBackbone: boolean;
  appVersion: string;
}

export interface ExportedBundle {
  file: string;
  bytes: number;
  sha256: string;
  /** The models in the bundle: an ensemble's members and the ensemble, or one model. */
  models: number;
  /** The ids of the backbones whose weights the bundle carries. */
  backbonesCarried: string[];
}

const FOLD_FILES = ['model.json', 'weights.bin', 'standardisation.json'];

export async function exportBundle(store: Store, registry: BackboneRegistry, request: BundleExportRequest): Promise<ExportedBundle> {
  const model = store.models.get(request.modelId);
  if (model.status !== 'ready') throw new GradedeskError('invalid', `Model ${model.id} is ${model.status}; only a finished model can be exported.`);
  const models = [...(model.members ?? []).map((id) => store.models.get(id)), model];
  refuseOnnx(registry, models);
  const keys = new Map(models.map((m, i) => [m.id, `model-${i + 1}`]));
  const entries: BundleEntry[] = [];

  const backbones: BackboneReference[] = [];
  for (const id of new Set(models.filter((m) => !m.members).map((m) => m.backboneId))) {
    const { sha256: _sha, size: _size, location: _location, format, ...rest } = registry.get(id);
    const spec = { ...rest, format: format as BackboneReference['format'] }; // ONNX backbones were refused above
    const files = await backboneFiles(registry, registry.get(id));
    const carried = request.withBackbone && spec.source !== 'bundled';
    const folder = `backbone-${backbones.length + 1}`;
    if (carried) for (const file of files.files) entries.push({ path: `${folder}/${file.relative}`, data: fs.readFileSync(file.absolute) });
    backbones.push({ ...spec, sha256: files.sha256, bytes: files.bytes, files: carried ? files.files.map((f) => `${folder}/${f.relative}`) : null });
  }

  const imagesById = new Map(store.images.readable(model.projectId).map((image) => [image.id, image]));
  const sha256Of = (imageId: number) => imagesById.get(imageId)?.sha256;
  const bundled = models.map((m): BundledModel => {
    const key = keys.get(m.id)!;
    const files = m.members ? [] : modelFiles(m.id, store.models.dir(m.id));
    for (const file of files) entries.push({ path: `${key}/${file}`, data: fs.readFileSync(path.join(store.models.dir(m.id), file)) });
    return {
      key,
      name: m.name,
      head: m.head,
      strategy: m.strategy as BundledModel['strategy'], // imported models were refused above
      backboneId: m.backboneId,
      inputSize: m.inputSize,
      options: m.options,
      thresholds: m.thresholds,
      referralThreshold: m.referralThreshold,
      evaluation: m.evaluation,
      createdAt: m.createdAt,
      finishedAt: m.finishedAt,
      members: m.members?.map((id) => keys.get(id)!) ?? null,
      training: trainingCounts(store, m, imagesById),
      epochs: m.epochs,
      snapshot: store.models.trainingImages(m.id).flatMap(({ imageId, label, fold }) => {
        const sha256 = sha256Of(imageId);
        return sha256 ? [{ sha256, label, fold }] : [];
      }),
      outOfFold: store.predictions.forModel(m.id, { outOfFoldOnly: true }).flatMap(({ modelId: _m, imageId, outOfFold: _o, inTrainingSet: _t, ...prediction }) => {
        const sha256 = sha256Of(imageId);
        return sha256 ? [{ sha256, ...prediction }] : [];
      }),
      files: files.map((file) => `${key}/${file}`),
    };
  });

  const manifest: BundleManifest = {
    appVersion: request.appVersion,
    createdAt: new Date().toISOString(),
    task: { kind: model.taskKind, classes: model.classes },
    preprocessing: model.preprocessing,
    backbones,
    models: bundled,
  };
  const file = path.resolve(request.file);
  try {
    if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw Object.assign(new Error('a folder'), { code: 'EISDIR' });
    const written = writeBundle(file, manifest, entries);
    return { file, ...written, models: models.length, backbonesCarried: backbones.filter((b) => b.files).map((b) => b.id) };
  } catch (error) {
    const code = errorCode(error);
    if (code in WRITE_CODES) throw new GradedeskError(WRITE_CODES[code]!, `Model ${model.id} could not be exported to "${file}": ${writeProblem(code)}.`);
    throw error;
  }
}

/**
 * Bundles carry models trained here, on tfjs backbones. A model imported from an ONNX file, or trained on
 * an ONNX backbone, is shared as that file instead (gradedesk models import / backbones add).
 */
function refuseOnnx(registry: BackboneRegistry, models: readonly ModelDetail[]): void {
  const imported = models.find((m) => m.strategy === 'imported');
  if (imported) {
    throw new GradedeskError('unsupported', `Model ${imported.id} (“${imported.name}”) was imported from an ONNX file: share that file instead (gradedesk models import on the other computer); bundles carry models trained in Gradedesk.`);
  }
  const onOnnx = models.find((m) => !m.members && registry.get(m.backboneId).format === 'onnx');
  if (onOnnx) {
    throw new GradedeskError('unsupported', `Model ${onOnnx.id} (“${onOnnx.name}”) was trained on the ONNX backbone ${onOnnx.backboneId}, which bundles cannot carry yet: add that .onnx file on the other computer (gradedesk backbones add) and train there.`);
  }
}

const WRITE_CODES: Record<string, 'invalid' | 'disk-full' | 'read-only'> = {
  EACCES: 'invalid', EPERM: 'invalid', EROFS: 'read-only', ENOSPC: 'disk-full', EDQUOT: 'disk-full', ENOTDIR: 'invalid', EISDIR: 'invalid', ENOENT: 'invalid', ENAMETOOLONG: 'invalid',
};

/** The files a model folder needs to predict elsewhere: its manifest and each fold head, no checkpoints. */
function modelFiles(modelId: number, modelDir: string): string[] {
  const files = fs.existsSync(path.join(modelDir, 'gradedesk-model.json'))
    ? ['gradedesk-model.json', ...readManifest(modelDir).heads.flatMap((head) => FOLD_FILES.map((file) => `${head}/${file}`))]
    : [];
  const missing = files.length === 0 ? 'gradedesk-model.json' : files.find((file) => !fs.existsSync(path.join(modelDir, file)));
  if (missing) throw new GradedeskError('not-found', `Model ${modelId} cannot be exported: its file ${missing} is missing from ${modelDir}.`);
  return files;
}

/** Labelled images, patients and images per class of the training snapshot (an ensemble's: its members'). */
function trainingCounts(store: Store, model: ModelDetail, imagesById: Map<number, { groupId: string }>): BundledModel['training'] {
  const labels = snapshotLabels(store, model.members ?? [model.id]);
  const perClass = model.classes.map(() => 0);
  for (const label of labels.values()) for (const k of Array.isArray(label) ? label : [label]) perClass[k] = (perClass[k] ?? 0) + 1;
  const patients = new Set([...labels.keys()].map((id) => imagesById.get(id)?.groupId ?? `image ${id}`));
  return { images: labels.size, patients: patients.size, perClass };
}
