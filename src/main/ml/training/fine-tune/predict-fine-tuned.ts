// The fold models of a fine-tuned model: each takes the cached cut activations of the frozen lower
// backbone and runs its own fine-tuned top blocks and head.
import type { ModelDetail } from '../../../../shared/ml';
import { GradedeskError } from '../../../../shared/errors';
import { tf } from '../../engine/backend';
import type { Engine } from '../../engine/engine';
import { loadFoldHead, type ModelManifest } from '../../models/model-files';
import type { FoldEnsemble } from '../../models/fold-ensemble';
import { TTA_VIEWS } from '../../features/views';
import { ensureActivations, readActivations, type ActivationContext } from './activations-cache';
import { activationContext } from './context';

export async function fineTunedEnsemble(
  engine: Engine,
  model: ModelDetail,
  manifest: ModelManifest,
  dir: string,
  provided: ActivationContext | undefined,
): Promise<FoldEnsemble> {
  const activations = provided ?? (await activationContext(engine, model.options, model.taskKind));
  const folds: tf.LayersModel[] = [];
  const dispose = () => {
    folds.forEach((fold) => fold.dispose());
    if (!provided) activations.split.dispose();
  };
  try {
    if (activations.split.cutLayer !== manifest.cutLayer) {
      throw new GradedeskError('invalid', `Model ${model.id} takes the activations of ${manifest.cutLayer}, but its backbone now splits at ${activations.split.cutLayer}.`);
    }
    for (let fold = 0; fold < manifest.heads.length; fold++) folds.push((await loadFoldHead(dir, fold)).head);
  } catch (error) {
    dispose();
    throw error;
  }
  return {
    prepare: (images, options) => ensureActivations(activations, images, TTA_VIEWS, options),
    async outputs(images) {
      const x = readActivations(activations, images.flatMap((image) => TTA_VIEWS.map((view) => ({ sha256: image.sha256, view }))));
      try {
        const mean = tf.tidy(() => {
          const perFold = folds.map((fold) => {
            const outputs = fold.predict(x, { batchSize: 64 }) as tf.Tensor2D;
            return tf.mean(tf.reshape(outputs, [images.length, TTA_VIEWS.length, outputs.shape[1]]), 1);
          });
          return tf.mean(tf.stack(perFold), 0);
        });
        const outputs = (await mean.array()) as number[][];
        mean.dispose();
        return outputs;
      } finally {
        x.dispose();
      }
    },
    dispose,
  };
}
