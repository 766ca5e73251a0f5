import type { Augmentation } from '../../../shared/ml';
import { tf } from '../engine/backend';

export type ImageView = 'original' | Augmentation;

/** A batch of images [n, h, w, c] seen as one of the augmentation views (square images only for rotations). */
export function applyView(batch: tf.Tensor4D, view: ImageView): tf.Tensor4D {
  return tf.tidy(() => {
    switch (view) {
      case 'original':
        return batch.clone();
      case 'flip-h':
        return tf.reverse(batch, 2);
      case 'flip-v':
        return tf.reverse(batch, 1);
      case 'rot-180':
        return tf.reverse(batch, [1, 2]);
      case 'rot-90': // clockwise
        return tf.reverse(tf.transpose(batch, [0, 2, 1, 3]), 2);
      case 'rot-270':
        return tf.reverse(tf.transpose(batch, [0, 2, 1, 3]), 1);
    }
  });
}

/** The views used for training (original plus augmentations) and for test-time augmentation. */
export function trainingViews(augmentations: readonly Augmentation[]): ImageView[] {
  return ['original', ...augmentations.filter((a, i) => augmentations.indexOf(a) === i)];
}

/** Test-time augmentation averages the original and its horizontal flip. */
export const TTA_VIEWS: readonly ImageView[] = ['original', 'flip-h'];
