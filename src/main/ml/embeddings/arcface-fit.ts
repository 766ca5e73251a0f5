// Fitting an ArcFace head on cached backbone features, and embedding feature rows with it: shared by
// the embedding job and the held-out neighbour accuracy it measures.
import type { LabelValue } from '../../../shared/domain';
import { averageViews, embedRows, groupIndices, labelGroups, trainArcFace, type ArcFaceOptions, type ArcFaceWeights } from './arcface';
import type { EmbeddingGrouping } from './arcface-files';
import { standardise, standardisationOf } from '../training/head-data';
import type { Standardisation } from '../models/model-files';
import type { RunControl } from '../training/training-run';
import { TTA_VIEWS } from '../features/views';

/** What an ArcFace head trains on: feature rows (images × TTA views) and one group per row. */
export interface EmbeddingTrainingSet {
  x: Float32Array;
  groups: Int32Array;
  names: string[];
}

export function embeddingTrainingSet(
  raw: Float32Array,
  images: ReadonlyArray<{ label: LabelValue; groupId: string }>,
  classes: readonly string[],
  groupBy: EmbeddingGrouping,
): EmbeddingTrainingSet {
  const views = TTA_VIEWS.length;
  const perImage = groupBy === 'group' ? groupIndices(images.map((i) => i.groupId)) : { indices: labelGroups(images.map((i) => i.label), classes.length), names: [...classes] };
  const groups = new Int32Array(images.length * views);
  perImage.indices.forEach((g, i) => groups.fill(g, i * views, (i + 1) * views));
  return { x: raw, groups, names: perImage.names };
}

/** Trains an ArcFace head on raw feature rows; returns it with the standardisation it expects. */
export async function fitArcFace(
  set: EmbeddingTrainingSet,
  dim: number,
  options: ArcFaceOptions,
  control: Pick<RunControl, 'signal'> & { onEpoch?: (epoch: number, loss: number) => void } = {},
): Promise<{ weights: ArcFaceWeights; standardisation: Standardisation; losses: number[] }> {
  const standardisation = standardisationOf(set.x, dim);
  const trained = await trainArcFace({
    x: standardise(set.x, standardisation),
    inputDim: dim,
    groups: set.groups,
    groupCount: set.names.length,
    options,
    ...(control.signal ? { signal: control.signal } : {}),
    ...(control.onEpoch ? { onEpoch: control.onEpoch } : {}),
  });
  return { weights: trained.weights, standardisation, losses: trained.losses };
}

/** One unit embedding per image from raw feature rows (images × TTA views). */
export async function embedImages(weights: ArcFaceWeights, standardisation: Standardisation, raw: Float32Array): Promise<Float32Array> {
  return averageViews(await embedRows(weights, standardise(raw, standardisation)), weights.embeddingDim, TTA_VIEWS.length);
}

/** An image of the model's snapshot, in its fold (folds are grouped by patient). */
export interface FoldedImage {
  label: LabelValue;
  groupId: string;
  fold: number;
}

/**
 * For each fold k of the snapshot, a head trained on the rest (the other folds, or a hold-out's training
 * side) embeds every image of the snapshot:
 * the space in which fold k's images are looked up, so that no image's own label shaped the space its
 * neighbours are found in. `raw` holds each image's feature rows (images × TTA views × dim), in the order
 * of `images`; `onFold` receives each fold's vectors (images × embeddingDim, same order) as it is done.
 */
export async function embedByFold(
  raw: Float32Array,
  images: readonly FoldedImage[],
  dim: number,
  classes: readonly string[],
  options: ArcFaceOptions,
  groupBy: EmbeddingGrouping,
  control: Pick<RunControl, 'signal'> & { onFold: (fold: number, vectors: Float32Array, done: number, folds: number) => void },
): Promise<number[]> {
  const perImage = dim * TTA_VIEWS.length;
  const folds = [...new Set(images.map((i) => i.fold).filter((f) => f >= 0))].sort((a, b) => a - b);
  if (folds.length === 0 || images.every((image) => image.fold === folds[0])) return [];
  for (const [done, fold] of folds.entries()) {
    const rest = images.flatMap((image, p) => (image.fold !== fold ? [p] : []));
    const restRows = new Float32Array(rest.length * perImage);
    rest.forEach((p, i) => restRows.set(raw.subarray(p * perImage, (p + 1) * perImage), i * perImage));
    const set = embeddingTrainingSet(restRows, rest.map((p) => images[p]!), classes, groupBy);
    const fitted = await fitArcFace(set, dim, options, control.signal ? { signal: control.signal } : {});
    control.onFold(fold, await embedImages(fitted.weights, fitted.standardisation, raw), done + 1, folds.length);
  }
  return folds;
}
