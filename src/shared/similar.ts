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
}
