// nsfwjs (MIT) ships its Keras models inside its npm tarball as JavaScript modules: model.json as an
// object and the weight shards as base64 strings. This writes one of them out as a plain tfjs model
// on disk, once, so that it loads like any other backbone.
import fs from 'node:fs';
import path from 'node:path';

export type NsfwjsModelName = 'mobilenet_v2' | 'mobilenet_v2_mid';

interface BundledModel {
  modelJson: () => Promise<{ default: { weightsManifest: Array<{ paths: string[] }> } }>;
  weightBundles: Array<() => Promise<{ default: string }>>;
}

const EXPORTS: Record<NsfwjsModelName, [string, string]> = {
  mobilenet_v2: ['nsfwjs/models/mobilenet_v2', 'MobileNetV2Model'],
  mobilenet_v2_mid: ['nsfwjs/models/mobilenet_v2_mid', 'MobileNetV2MidModel'],
};

/** Returns the path of the extracted model.json, extracting into `dir` first if it is not there. */
export async function extractNsfwjsModel(name: NsfwjsModelName, dir: string): Promise<string> {
  const modelJsonPath = path.join(dir, 'model.json');
  if (fs.existsSync(modelJsonPath)) return modelJsonPath;
  const [specifier, exportName] = EXPORTS[name];
  // The ESM build: its CommonJS build wraps each base64 shard so that loading takes ~14 s instead of ~0.1 s.
  const bundle = ((await import(specifier)) as Record<string, BundledModel>)[exportName]!;
  const json = structuredClone((await bundle.modelJson()).default);
  const partial = `${dir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  let bundleIndex = 0;
  for (const group of json.weightsManifest) {
    group.paths = await Promise.all(
      group.paths.map(async (shard) => {
        const base64 = (await bundle.weightBundles[bundleIndex++]!()).default;
        const file = `${path.basename(shard)}.bin`;
        fs.writeFileSync(path.join(partial, file), Buffer.from(base64, 'base64'));
        return file;
      }),
    );
  }
  fs.writeFileSync(path.join(partial, 'model.json'), JSON.stringify(json));
  try {
    fs.renameSync(partial, dir);
  } catch (error) {
    // Another process extracted it at the same time: use theirs.
    fs.rmSync(partial, { recursive: true, force: true });
    if (!fs.existsSync(modelJsonPath)) throw error;
  }
  return modelJsonPath;
}
