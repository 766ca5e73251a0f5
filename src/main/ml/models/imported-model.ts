// Using an imported ONNX classifier like a trained model: its outputs, cached per (file, output, image,
// view) like backbone features, decoded into the class probabilities a trained head gives; and its
// declared feature output, where embeddings need "the model's features".
import path from 'node:path';
import { GradedeskError } from '../../../shared/errors';
import type { BackboneInfo, ModelDetail } from '../../../shared/ml';
import { initBackend } from '../engine/backend';
import { featureContext, type Engine } from '../engine/engine';
import { ensureFeatures, extractorKey, type FeatureContext } from '../features/extract-features';
import { preprocessorFor } from '../features/preprocessing';
import { TTA_VIEWS } from '../features/views';
import { loadOnnxOutputExtractor } from '../onnx/onnx-features';
import { featureRows } from '../training/head-data';
import type { FoldEnsemble } from './fold-ensemble';
import { readManifest, type ImportedOnnx, type ModelManifest } from './model-files';

export function importedOf(manifest: ModelManifest, modelId: number): ImportedOnnx {
  if (!manifest.imported) throw new GradedeskError('invalid', `Model ${modelId} is not an imported ONNX model.`);
  return manifest.imported;
}

/** A feature context over one output of the model's ONNX file; its cache key names the file's content and the output. */
async function outputContext(engine: Engine, model: ModelDetail, imported: ImportedOnnx, output: string): Promise<FeatureContext> {
  const file = path.join(engine.store.models.dir(model.id), imported.file);
  const source: BackboneInfo = {
    id: `onnx-${imported.sha256.slice(0, 16)}-${output}`,
    name: `model ${model.id} (${output})`,
    format: 'onnx',
    source: 'file',
    location: file,
    featureLayer: output,
    inputSizes: [model.inputSize],
    defaultInputSize: model.inputSize,
    normalisation: imported.scaling === 'raw' ? 'unit' : imported.scaling,
    note: null,
  };
  await initBackend(); // the test-time views are made by tfjs
  const extractor = await loadOnnxOutputExtractor(source, file, imported.scaling, model.inputSize);
  return { features: engine.store.features, cacheDir: engine.cacheDir, extractor, preprocessor: preprocessorFor(model.taskKind), pixels: engine.pixels };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function softmax(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * One image view's raw output in the form decodeOutput reads for the model's head: class probabilities
 * (softmax), [1, P(≥ 1), …, P(≥ K−1)] (ordinal), the grade (regression).
 */
export function headForm(imported: Pick<ImportedOnnx, 'decoding' | 'activated'>, raw: readonly number[]): number[] {
  switch (imported.decoding) {
    case 'softmax':
      return imported.activated ? [...raw] : softmax(raw);
    case 'ordinal':
      return [1, ...raw.map((v) => (imported.activated ? v : sigmoid(v)))];
    case 'regression':
      return [raw[0]!];
  }
}

/** The imported model as the one "fold model" prediction runs: outputs for the test-time views, decoded, averaged. */
export async function importedEnsemble(engine: Engine, model: ModelDetail, manifest: ModelManifest): Promise<FoldEnsemble> {
  const imported = importedOf(manifest, model.id);
  const context = await outputContext(engine, model, imported, imported.output);
  const key = extractorKey(context);
  const dim = context.extractor.featureDim;
  return {
    prepare: (images, options) => ensureFeatures(context, images, TTA_VIEWS, options),
    async outputs(images) {
      const raw = featureRows(engine.store.features, key, dim, images, TTA_VIEWS);
      return images.map((_, i) => {
        const perView = TTA_VIEWS.map((_, v) => headForm(imported, Array.from(raw.subarray((i * TTA_VIEWS.length + v) * dim, (i * TTA_VIEWS.length + v + 1) * dim))));
        return perView[0]!.map((_, k) => perView.reduce((sum, view) => sum + view[k]!, 0) / perView.length);
      });
    },
    dispose: () => context.extractor.dispose(),
  };
}

/**
 * The features a model's embeddings and similar cases are made from: the backbone's for a trained model,
 * the declared feature output for an imported one (refused, with the reason, when none was declared).
 */
export async function modelFeatureContext(engine: Engine, model: ModelDetail): Promise<FeatureContext> {
  if (model.strategy !== 'imported') return featureContext(engine, model.backboneId, model.inputSize, model.taskKind, { features: model.options.features });
  const imported = importedOf(readManifest(engine.store.models.dir(model.id)), model.id);
  if (!imported.featureOutput) {
    throw new GradedeskError(
      'invalid',
      `Model ${model.id} was imported from ONNX without --feature-output, so its features are unavailable: embeddings and similar cases need the output that gives its penultimate features. Import it again with --feature-output NAME.`,
    );
  }
  return outputContext(engine, model, imported, imported.featureOutput);
}
