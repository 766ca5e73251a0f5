// Top-1 neighbour accuracy on held-out patients: in fold k's space (a head trained without fold k), each
// image of fold k takes the label of its nearest image among the rest (the other folds, or a hold-out's
// training side), whose patients it never shares (folds are grouped by patient). This is how Review's
// similar cases of a graded image are found.
import type { LabelValue } from '../../shared/domain';
import type { NeighbourAccuracy } from '../../shared/similar';
import { sameLabel } from '../../shared/labels';
import { ExactIndex } from './exact-index';

export interface HeldOutImage {
  label: LabelValue;
  /** The image's fold in the model's snapshot (-1: a hold-out's training side). */
  fold: number;
}

/** Counts nearest-neighbour hits fold by fold, then gives the accuracy beside the majority-class rate. */
export class HeldOutTally {
  private hits = 0;
  private asked = 0;
  private folds = 0;

  constructor(
    private readonly images: readonly HeldOutImage[],
    private readonly embeddingDim: number,
  ) {}

  /** `vectors`: every image embedded in fold `fold`'s space (images × embeddingDim, in the order of `images`). */
  addFold(fold: number, vectors: Float32Array): void {
    const d = this.embeddingDim;
    const rows = (p: number) => vectors.subarray(p * d, (p + 1) * d);
    const held = this.images.flatMap((image, p) => (image.fold === fold ? [p] : []));
    const rest = this.images.flatMap((image, p) => (image.fold !== fold ? [p] : []));
    const index = new ExactIndex(d);
    const restVectors = new Float32Array(rest.length * d);
    rest.forEach((p, i) => restVectors.set(rows(p), i * d));
    index.add(rest, restVectors);
    for (const p of held) {
      const [nearest] = index.search(rows(p), 1);
      if (nearest && sameLabel(this.images[nearest.id]!.label, this.images[p]!.label)) this.hits++;
      this.asked++;
    }
    this.folds++;
  }

  /** Null when no fold was measured. The majority rate is over the images asked about. */
  result(): NeighbourAccuracy | null {
    if (this.folds === 0 || this.asked === 0) return null;
    const counts = new Map<string, number>();
    for (const image of this.images) if (image.fold >= 0) counts.set(JSON.stringify(image.label), (counts.get(JSON.stringify(image.label)) ?? 0) + 1);
    return { accuracy: this.hits / this.asked, majorityRate: Math.max(...counts.values()) / this.asked, images: this.asked, folds: this.folds };
  }
}
