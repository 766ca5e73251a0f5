import type { Progress } from '../../../shared/jobs';
import type { ExtractionResult, ImageSource } from '../features/extract-features';

/** A model's fold models and what they take as input: head models (predict.ts) and fine-tuned ones (predict-fine-tuned.ts) alike. */
export interface FoldEnsemble {
  /** Computes what the fold models take, for the test-time views of every image, unless cached. */
  prepare(images: readonly ImageSource[], options: { signal?: AbortSignal; onProgress?: (progress: Progress) => void }): Promise<ExtractionResult>;
  /** Raw outputs per image: test-time views averaged within each fold model, then fold models averaged. */
  outputs(images: readonly ImageSource[]): Promise<number[][]>;
  dispose(): void;
}
