// Top-1 neighbour accuracy on held-out patients: for each fold of a model's snapshot, an ArcFace head
// trained on the other folds embeds everything, and each held-out image takes the label of its
// nearest image among the other folds (whose patients it never shares: folds are grouped by patient).
import type { LabelValue } from '../../shared/domain';
import type { NeighbourAccuracy } from '../../shared/similar';
import { sameLabel } from '../../shared/labels';
import type { ArcFaceOptions } from '../ml/arcface';
import type { EmbeddingGrouping } from '../ml/arcface-files';
import { embeddingTrainingSet, embedImages, fitArcFace } from '../ml/arcface-fit';
import { TTA_VIEWS } from '../ml/views';
import { ExactIndex } from './exact-index';

export interface HeldOutImage {
  label: LabelValue;
  groupId: string;
  /** The image's fold in the model's snapshot (grouped by patient). */
  fold: number;
}

/**
 * `raw` holds each image's feature rows (images × TTA views × dim), in the order of `images`.
 * `onFold` reports each fold as it finishes, so a job can show progress.
 */
export async function heldOutNeighbourAccuracy(
  raw: Float32Array,
  images: readonly HeldOutImage[],
  dim: number,
  classes: readonly string[],
  arcface: ArcFaceOptions,
  groupBy: EmbeddingGrouping,
  control: { signal?: AbortSignal; onFold?: (done: number, folds: number) => void } = {},
): Promise<NeighbourAccuracy | null> {
  const perImage = dim * TTA_VIEWS.length;
  const rowsOf = (positions: readonly number[]) => {
    const out = new Float32Array(positions.length * perImage);
    positions.forEach((p, i) => out.set(raw.subarray(p * perImage, (p + 1) * perImage), i * perImage));
    return out;
  };
  const folds = [...new Set(images.map((i) => i.fold).filter((f) => f >= 0))].sort((a, b) => a - b);
  if (folds.length < 2) return null;
  let hits = 0;
  let asked = 0;
  for (const [done, fold] of folds.entries()) {
    const held = images.flatMap((image, p) => (image.fold === fold ? [p] : []));
    const rest = images.flatMap((image, p) => (image.fold !== fold && image.fold >= 0 ? [p] : []));
    const restImages = rest.map((p) => images[p]!);
    const fitted = await fitArcFace(embeddingTrainingSet(rowsOf(rest), restImages, classes, groupBy), dim, arcface, control.signal ? { signal: control.signal } : {});
    const index = new ExactIndex(arcface.embeddingDim);
    index.add(rest.map((_, i) => i), await embedImages(fitted.weights, fitted.standardisation, rowsOf(rest)));
    const queries = await embedImages(fitted.weights, fitted.standardisation, rowsOf(held));
    held.forEach((p, i) => {
      const [nearest] = index.search(queries.subarray(i * arcface.embeddingDim, (i + 1) * arcface.embeddingDim), 1);
      if (nearest && sameLabel(restImages[nearest.id]!.label, images[p]!.label)) hits++;
      asked++;
    });
    control.onFold?.(done + 1, folds.length);
  }
  const counts = new Map<string, number>();
  for (const image of images) if (image.fold >= 0) counts.set(JSON.stringify(image.label), (counts.get(JSON.stringify(image.label)) ?? 0) + 1);
  return { accuracy: hits / asked, majorityRate: Math.max(...counts.values()) / asked, images: asked, folds: folds.length };
}
