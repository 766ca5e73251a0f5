// Similar cases of an image: its nearest graded images in a model's ArcFace embedding (other
// patients only), and the label their similarity-weighted vote suggests. An image of the model's
// training snapshot is looked up in its fold's space, embedded by a head that never saw its label, so
// the suggestion cannot echo the label under review; other images in the space of the head trained on
// every graded image. Indexes are kept per model and space in memory and under <dataDir>/search, and
// take the embeddings added since they were saved.
import fs from 'node:fs';
import path from 'node:path';
import type { LabelEvent, LabelValue } from '../../../shared/domain';
import type { EmbeddingSummary, NeighbourVote, SimilarCase, SimilarCasesAnswer } from '../../../shared/similar';
import { GradedeskError } from '../../../shared/errors';
import { sameLabel } from '../../../shared/labels';
import { currentArcFaceManifest, type ArcFaceManifest } from './arcface-files';
import type { Store } from '../../store';
import { FULL_SPACE } from '../../store/embeddings';
import { createIndex, indexFileName, loadIndex } from '../../search/nearest-index';
import type { NearestIndex, Neighbour } from '../../search/neighbours';

export const SUGGESTION_THRESHOLD = 0.7;
export const DEFAULT_K = 10;

/** The similarity-weighted vote of labelled neighbours. */
export function neighbourVote(neighbours: ReadonlyArray<{ label: LabelValue; similarity: number }>, current: LabelValue | null): NeighbourVote | null {
  const weights = new Map<string, { label: LabelValue; weight: number }>();
  let total = 0;
  for (const n of neighbours) {
    const weight = Math.max(0, n.similarity);
    const key = JSON.stringify(n.label);
    const entry = weights.get(key) ?? { label: n.label, weight: 0 };
    entry.weight += weight;
    weights.set(key, entry);
    total += weight;
  }
  if (total === 0) return null;
  const best = [...weights.values()].reduce((a, b) => (b.weight > a.weight ? b : a));
  return { label: best.label, confidence: best.weight / total, agrees: current === null ? null : sameLabel(current, best.label) };
}

export class SimilarCases {
  private readonly indexes = new Map<string, NearestIndex>();
  /** Each model's snapshot folds by image id (a snapshot never changes). */
  private readonly snapshotFolds = new Map<number, Map<number, number>>();
  constructor(
    private readonly store: Store,
    private readonly dataDir: string,
  ) {}

  /** The model's ArcFace manifest, read once per lookup; refused when the model has no embeddings. */
  private embeddedManifest(modelId: number): ArcFaceManifest {
    const manifest = currentArcFaceManifest(this.store.models.dir(modelId));
    if (!manifest || this.store.embeddings.count(modelId) === 0) {
      throw new GradedeskError('invalid', `Model ${modelId} has no embeddings yet; compute them first (embed).`);
    }
    return manifest;
  }

  /** What a model's embedding is, or null before it has one. */
  summary(modelId: number): EmbeddingSummary | null {
    const manifest = currentArcFaceManifest(this.store.models.dir(modelId));
    if (!manifest) return null;
    return {
      embeddingDim: manifest.embeddingDim,
      groupBy: manifest.groupBy,
      margin: manifest.options.margin,
      scale: manifest.options.scale,
      trainingImages: manifest.trainingImages,
      embeddedImages: this.store.embeddings.count(modelId),
      createdAt: manifest.createdAt,
      heldOut: manifest.heldOut ?? null,
    };
  }

  /** The model's index of one space, brought up to date with its stored embeddings and saved when it changed. */
  private index(modelId: number, manifest: ArcFaceManifest, space: number): NearestIndex {
    const stamp = manifest.createdAt.replace(/[^0-9]/g, '');
    const base = path.join(this.dataDir, 'search', `model-${modelId}-${stamp}${space === FULL_SPACE ? '' : `-fold-${space}`}`);
    const cacheKey = `${modelId}/${stamp}/${space}`;
    let index = this.indexes.get(cacheKey);
    if (!index) {
      const saved = ['.exact', '.usearch'].map((ext) => base + ext).find((file) => fs.existsSync(file));
      index = saved ? loadIndex(saved) : undefined;
    }
    const count = this.store.embeddings.count(modelId, space);
    if (!index || index.size < count) {
      const rows = this.store.embeddings.all(modelId, space);
      const dim = rows[0]?.vector.length ?? 0;
      index ??= createIndex(dim, count);
      const added = rows.filter((row) => !index!.has(row.imageId));
      const vectors = new Float32Array(added.length * dim);
      added.forEach((row, i) => vectors.set(row.vector, i * dim));
      index.add(added.map((row) => row.imageId), vectors);
      fs.mkdirSync(path.dirname(base), { recursive: true });
      index.save(indexFileName(base, index));
    }
    this.indexes.set(cacheKey, index);
    return index;
  }

  /**
   * The space an image is looked up in (its snapshot fold's, when that fold has one), and whether the
   * image's label was in the snapshot the embedding trained on.
   */
  private spaceOf(modelId: number, manifest: ArcFaceManifest, imageId: number): { space: number; inSnapshot: boolean } {
    let folds = this.snapshotFolds.get(modelId);
    if (!folds) {
      folds = new Map(this.store.models.trainingImages(modelId).map((image) => [image.imageId, image.fold]));
      this.snapshotFolds.set(modelId, folds);
    }
    const fold = folds.get(imageId);
    return { space: fold !== undefined && manifest.folds.includes(fold) ? fold : FULL_SPACE, inSnapshot: fold !== undefined };
  }

  /** The nearest graded cases of an image in a model's embedding (by default the project's active model). */
  forImage(imageId: number, k = DEFAULT_K, modelId?: number): SimilarCasesAnswer {
    const image = this.store.images.get(imageId);
    const model = modelId ?? this.store.models.active(image.projectId)?.id;
    if (model === undefined) throw new GradedeskError('invalid', 'The project has no active model; train one, then compute embeddings.');
    const manifest = this.embeddedManifest(model);
    const { space, inSnapshot } = this.spaceOf(model, manifest, imageId);
    const query = this.store.embeddings.get(model, imageId, space);
    if (!query) throw new GradedeskError('invalid', `Image ${imageId} has no embedding in model ${model}; compute embeddings again.`);
    const readable = this.store.images.readable(image.projectId);
    const graded = new Map(readable.filter((i) => i.label !== null && !i.ungradable).map((i) => [i.id, i]));
    const self = readable.find((i) => i.id === imageId);
    const groupId = self?.groupId ?? null;
    const skip = (id: number) => {
      const other = graded.get(id);
      return !other || id === imageId || (groupId !== null && other.groupId === groupId);
    };
    const found: Neighbour[] = this.index(model, manifest, space).search(query, k, skip);
    const neighbours = found.map((n): SimilarCase => {
      const other = graded.get(n.id)!;
      return { imageId: n.id, fileName: path.basename(other.path), label: other.label!, similarity: n.similarity };
    });
    const current = self && !self.ungradable ? self.label : null;
    return {
      modelId: model,
      neighbours,
      suggestion: neighbourVote(neighbours, current),
      threshold: SUGGESTION_THRESHOLD,
      learnedThisLabel: space === FULL_SPACE && inSnapshot,
    };
  }

  /**
   * Records the neighbours' suggestion as the image's label, as a `model-accepted` event, provided it is
   * still the label the reader saw and its confidence reaches their threshold.
   */
  accept(imageId: number, readerId: number, seen: { label: LabelValue; minConfidence: number }): LabelEvent {
    const answer = this.forImage(imageId);
    const { suggestion } = answer;
    if (!suggestion) throw new GradedeskError('invalid', `Image ${imageId} has no graded neighbours to suggest a label.`);
    if (!sameLabel(suggestion.label, seen.label)) {
      throw new GradedeskError('conflict', `The neighbours of image ${imageId} now suggest another label; look at the new suggestion before accepting it.`);
    }
    if (suggestion.confidence < seen.minConfidence) {
      const percent = (x: number) => `${Math.round(x * 100)}%`;
      throw new GradedeskError('invalid', `The neighbours agree ${percent(suggestion.confidence)}, below your threshold of ${percent(seen.minConfidence)}; nothing was recorded.`);
    }
    const project = this.store.projects.get(this.store.images.get(imageId).projectId);
    const event = this.store.labels.record(project.task, {
      imageId,
      value: suggestion.label,
      source: 'model-accepted',
      readerId,
      origin: `nearest-cases:model-${answer.modelId}`,
      note: `neighbour vote ${(suggestion.confidence * 100).toFixed(0)}%`,
    });
    if (!event) throw new Error('The label store wrote no event.');
    return event;
  }
}
