// The class activation map of an imported ONNX classifier whose last feature maps reach its output
// through global average pooling and one linear layer (onnx-graph.ts finds that layer at import).
// ONNX Runtime computes no gradients; for such a head the gradient of a class's score with respect to
// map c is that class's weight on channel c (over the map's area), so Grad-CAM is Σ_c w_c · A_c.
import path from 'node:path';
import type { ModelDetail } from '../../../shared/ml';
import { GradedeskError } from '../../../shared/errors';
import type { Engine } from '../engine/engine';
import { preprocessorFor, type Preprocessor } from '../features/preprocessing';
import { importedOf } from '../models/imported-model';
import type { ImportedOnnx, ModelManifest } from '../models/model-files';
import { openOnnxModel } from '../onnx/onnx-model';
import type { GradCamMap } from './gradcam';

/**
 * The weights that stand for "class k", as gradCam's classScore: the class's logit (softmax), the logit
 * of P(grade ≥ k) for ordinal models (grade 0: the evidence against grade ≥ 1), the grade (regression).
 */
function classWeights(imported: Pick<ImportedOnnx, 'decoding'>, weights: readonly number[][], targetClass: number): number[] {
  if (imported.decoding === 'regression') return weights[0]!;
  if (imported.decoding === 'ordinal') return targetClass === 0 ? weights[0]!.map((w) => -w) : weights[targetClass - 1]!;
  return weights[targetClass]!;
}

/** Σ_c w_c · A_c over one image's maps ([c, h, w] or [h, w, c]), ReLU, scaled to [0, 1]. */
export function linearCam(maps: Float32Array, dims: readonly number[], layout: 'nchw' | 'nhwc', channelWeights: readonly number[], targetClass: number): GradCamMap {
  const [channels, height, width] = layout === 'nchw' ? [dims[0]!, dims[1]!, dims[2]!] : [dims[2]!, dims[0]!, dims[1]!];
  const area = height * width;
  const values = new Float32Array(area);
  for (let p = 0; p < area; p++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += channelWeights[c]! * (layout === 'nchw' ? maps[c * area + p]! : maps[p * channels + c]!);
    values[p] = Math.max(0, sum);
  }
  const max = Math.max(1e-12, ...values);
  for (let p = 0; p < area; p++) values[p]! /= max;
  return { values, width, height, targetClass };
}

export async function importedExplainer(engine: Engine, model: ModelDetail, manifest: ModelManifest): Promise<{ preprocessor: Preprocessor; size: number; map(pixels: Buffer, targetClass: number): Promise<GradCamMap>; close(): void }> {
  const imported = importedOf(manifest, model.id);
  const { featureMaps, camWeights } = imported;
  if (!featureMaps || !camWeights) {
    throw new GradedeskError(
      'invalid',
      `Model ${model.id} was imported from ONNX without --feature-maps; Grad-CAM needs the output that gives its last convolutional maps. Import it again with --feature-maps NAME.`,
    );
  }
  const opened = await openOnnxModel(path.join(engine.store.models.dir(model.id), imported.file), { scaling: imported.scaling, inputSize: model.inputSize });
  return {
    preprocessor: preprocessorFor(model.taskKind),
    size: model.inputSize,
    close: () => void opened.dispose(),
    async map(pixels, targetClass) {
      const { rows, dims } = (await opened.run([new Uint8Array(pixels)], [featureMaps])).get(featureMaps)!;
      return linearCam(rows[0]!, dims, opened.input.layout, classWeights(imported, camWeights, targetClass), targetClass);
    },
  };
}
