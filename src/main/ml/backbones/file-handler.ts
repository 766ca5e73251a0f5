import fs from 'node:fs';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { GradedeskError } from '../../../shared/errors';

/** The parts of a tfjs model.json that loading needs. */
export interface ModelJson {
  format?: string;
  modelTopology: unknown;
  weightsManifest: Array<{ paths: string[]; weights: io.WeightsManifestEntry[] }>;
  [key: string]: unknown;
}

export function readModelJson(modelJsonPath: string): ModelJson {
  let json: ModelJson;
  try {
    json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8')) as ModelJson;
  } catch (error) {
    throw new GradedeskError('invalid', `${modelJsonPath} is not a readable tfjs model.json (${(error as Error).message}).`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new GradedeskError('invalid', `${modelJsonPath} is not a tfjs model.json: it has no modelTopology or weightsManifest.`);
  }
  return json;
}

/**
 * A tfjs IOHandler over a model.json (possibly rewritten in memory) and its weight shards on disk,
 * so that no tfjs-node file system support is needed.
 */
export function fileModelHandler(modelJsonPath: string, json: ModelJson = readModelJson(modelJsonPath)): io.IOHandler {
  const dir = path.dirname(modelJsonPath);
  return {
    async load(): Promise<io.ModelArtifacts> {
      const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
      const shards = json.weightsManifest.flatMap((group) =>
        group.paths.map((shard) => {
          const file = path.resolve(dir, shard);
          if (!file.startsWith(dir + path.sep)) throw new GradedeskError('invalid', `Weight shard ${shard} lies outside ${dir}.`);
          return fs.readFileSync(file);
        }),
      );
      const weights = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology as io.ModelArtifacts['modelTopology'],
        format: json.format,
        weightSpecs,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
      };
    },
  };
}

/** Writes a model's artifacts as model.json plus one weights.bin shard (the tfjs file format). */
export function fileSaveHandler(dir: string): io.IOHandler {
  return {
    async save(artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
      fs.mkdirSync(dir, { recursive: true });
      const data = artifacts.weightData;
      const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
      const weights = Buffer.concat(buffers.map((b) => Buffer.from(b)));
      fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
      const json = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.length } };
    },
  };
}
