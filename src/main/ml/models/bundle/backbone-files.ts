// A backbone on disk by content: its model.json and the weight shards it lists, their total size and
// one SHA-256 over them in that order. Two data directories have the same backbone when these agree.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError } from '../../../../shared/errors';
import type { StoredBackbone } from '../../../store/backbones';
import { readModelJson } from '../../backbones/file-handler';
import type { BackboneRegistry } from '../../backbones/registry';

export interface BackboneFiles {
  sha256: string;
  bytes: number;
  /** Paths relative to model.json's folder, model.json first. */
  files: Array<{ relative: string; absolute: string }>;
}

export async function backboneFiles(registry: BackboneRegistry, backbone: StoredBackbone): Promise<BackboneFiles> {
  const modelJson = await registry.modelJsonPath(backbone);
  if (!fs.existsSync(modelJson)) {
    throw new GradedeskError('not-found', `The backbone "${backbone.id}" is registered but its files are not here (${modelJson})${backbone.source === 'url' ? '; add it again to download it' : ''}.`);
  }
  return filesOf(modelJson);
}

export function filesOf(modelJsonPath: string): BackboneFiles {
  const dir = path.dirname(modelJsonPath);
  const shards = readModelJson(modelJsonPath).weightsManifest.flatMap((group) => group.paths);
  const files = [{ relative: 'model.json', absolute: modelJsonPath }, ...shards.map((shard) => ({ relative: shard, absolute: path.resolve(dir, shard) }))];
  const hash = createHash('sha256');
  let bytes = 0;
  for (const file of files) {
    if (!file.absolute.startsWith(dir + path.sep) && file.absolute !== modelJsonPath) {
      throw new GradedeskError('invalid', `The weight shard ${file.relative} of ${modelJsonPath} lies outside its folder.`);
    }
    const data = fs.readFileSync(file.absolute);
    hash.update(data);
    bytes += data.length;
  }
  return { sha256: hash.digest('hex'), bytes, files };
}
