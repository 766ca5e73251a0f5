// Exporting a finished model to a folder in tfjs format: its fold heads and manifest, or for an
// ensemble, each member in its own sub-folder beside a manifest naming them.
import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError } from '../../shared/errors';
import type { Store } from '../store';
import { exportModel } from './model-files';

/** Why a folder cannot take the export, in words, by the file system's error code. */
const WRITE_PROBLEMS: Record<string, string> = {
  EACCES: 'permission is denied',
  EPERM: 'permission is denied',
  EROFS: 'the disk is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENOTDIR: 'part of the path is a file, not a folder',
  EEXIST: 'a file is in the way',
  EISDIR: 'a folder is in the way',
  ENAMETOOLONG: 'a name in the path is too long',
  ENOENT: 'part of the path does not exist',
};

export function exportModelTo(store: Store, modelId: number, destination: string): { dir: string; files: string[] } {
  const model = store.models.get(modelId);
  if (model.status !== 'ready') throw new GradedeskError('invalid', `Model ${modelId} is ${model.status}; only a finished model can be exported.`);
  const dir = path.resolve(destination);
  const unwritable = (code: string) =>
    new GradedeskError('invalid', `Model ${modelId} could not be exported to "${dir}": ${WRITE_PROBLEMS[code] ?? `the file system said ${code}`}.`);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw unwritable(errorCode(error));
  }
  try {
    return writeExport(store, model, dir);
  } catch (error) {
    // Only the destination can be full or read-only; anything else about the model's own files is a fault.
    if (['ENOSPC', 'EDQUOT', 'EROFS'].includes(errorCode(error))) throw unwritable(errorCode(error));
    throw error;
  }
}

const errorCode = (error: unknown) => String((error as NodeJS.ErrnoException).code ?? 'an unknown error');

function writeExport(store: Store, model: ReturnType<Store['models']['get']>, dir: string): { dir: string; files: string[] } {
  const modelId = model.id;
  if (!model.members) return { dir, files: exportModel(store.models.dir(modelId), dir) };
  const files = model.members.flatMap((member) =>
    exportModel(store.models.dir(member), path.join(dir, `member-${member}`)).map((file) => path.join(`member-${member}`, file)),
  );
  const manifest = { format: 'gradedesk-ensemble/1', classes: model.classes, combine: 'mean of probabilities', thresholds: model.thresholds, members: model.members.map((m) => `member-${m}`) };
  fs.writeFileSync(path.join(dir, 'gradedesk-ensemble.json'), JSON.stringify(manifest, null, 2));
  return { dir, files: ['gradedesk-ensemble.json', ...files] };
}
