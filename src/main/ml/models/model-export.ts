// Exporting a finished model to a folder in tfjs format: its fold heads and manifest, or for an
// ensemble, each member in its own sub-folder beside a manifest naming them.
import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError } from '../../../shared/errors';
import type { Store } from '../../store';
import { errorCode, writeProblem } from '../../export/write-problems';
import { exportModel } from './model-files';

export function exportModelTo(store: Store, modelId: number, destination: string): { dir: string; files: string[] } {
  const model = store.models.get(modelId);
  if (model.status !== 'ready') throw new GradedeskError('invalid', `Model ${modelId} is ${model.status}; only a finished model can be exported.`);
  const dir = path.resolve(destination);
  const unwritable = (code: string) =>
    new GradedeskError('invalid', `Model ${modelId} could not be exported to "${dir}": ${writeProblem(code)}.`);
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
