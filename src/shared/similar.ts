import type { LabelValue } from './domain';

/** A graded image near another in a model's embedding. */
export interface SimilarCase {
  imageId: number;
  fileName: string;
  label: LabelValue;
  /** Cosine similarity in [-1, 1]. */
  similarity: number;
}

export interface NeighbourVote {
  label: LabelValue;
  /** The winning label's share of the neighbours' similarity (negative similarities count 0). */
  confidence: number;
  /** Whether the image's current label is the suggested one; null for an ungraded image. */
  agrees: boolean | null;
}

export interface SimilarCasesAnswer {
  modelId: number;
  neighbours: SimilarCase[];
  suggestion: NeighbourVote | null;
  /** The confidence at or above which a suggestion may be accepted. */
  threshold: number;
  /**
   * The embedding the neighbours were found in was trained on this image's label (its fold had too few
   * patients for a space of its own): the suggestion may echo that label.
   */
  learnedThisLabel: boolean;
}

/** Top-1 neighbour accuracy on held-out patients, measured fold by fold when embeddings were computed. */
export interface NeighbourAccuracy {
  accuracy: number;
  /** The share of the most common label: what always guessing it would score. */
  majorityRate: number;
  images: number;
  folds: number;
}

/** A model's ArcFace embedding, as Evaluate and Review describe it. */
export interface EmbeddingSummary {
  embeddingDim: number;
  groupBy: 'label' | 'group';
  margin: number;
  scale: number;
  trainingImages: number;
  embeddedImages: number;
  createdAt: string;
  /** Null when the snapshot held no patients out (no fold to measure). */
  heldOut: NeighbourAccuracy | null;
}
