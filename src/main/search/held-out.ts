// Top-1 neighbour accuracy on held-out patients: for each fold of a model's snapshot, an ArcFace head
// trained on the other folds embeds everything, and each held-out image takes the label of its
// nearest image among the other folds (whose patients it never shares: folds are grouped by patient).
import type { LabelValue } from '../../shared/domain';
import { sameLabel } from '../../shared/labels';
import { DEFAULT_ARCFACE, type ArcFaceOptions } from '../ml/arcface';
import { embeddingTrainingSet, embedImages, fitArcFace } from '../ml/embed';
import { featureContext, type Engine } from '../ml/engine';
import { extractorKey } from '../ml/extract-features';
import { featureRows } from '../ml/head-data';
import { TTA_VIEWS } from '../ml/views';
import { ExactIndex } from './exact-index';

export interface HeldOutNeighbourAccuracy {
  accuracy: number;
  /** The share of the most common label: what always guessing it would score. */
  majorityRate: number;
  images: number;
}

export async function heldOutNeighbourAccuracy(engine: Engine, modelId: number, options: Partial<ArcFaceOptions> = {}): Promise<HeldOutNeighbourAccuracy> {
  const { store } = engine;
  const model = store.models.get(modelId);
  const context = await featureContext(engine, model.backboneId, model.inputSize, model.taskKind);
  try {
    const key = extractorKey(context);
    const dim = context.extractor.featureDim;
    const readable = new Map(store.images.readable(model.projectId).map((image) => [image.id, image]));
    const images = store.models
      .trainingImages(modelId)
      .filter((s) => s.fold >= 0 && readable.has(s.imageId) && store.features.missing([readable.get(s.imageId)!.sha256], key, TTA_VIEWS).length === 0)
      .map((s) => ({ ...readable.get(s.imageId)!, label: s.label as LabelValue, fold: s.fold }));
    const raw = featureRows(store.features, key, dim, images, TTA_VIEWS);
    const rowsOf = (subset: typeof images) => {
      const positions = subset.map((image) => images.indexOf(image));
      const perImage = dim * TTA_VIEWS.length;
      const out = new Float32Array(subset.length * perImage);
      positions.forEach((p, i) => out.set(raw.subarray(p * perImage, (p + 1) * perImage), i * perImage));
      return out;
    };
    const arcface: ArcFaceOptions = { ...DEFAULT_ARCFACE, ...options };
    let hits = 0;
    let asked = 0;
    for (const fold of [...new Set(images.map((i) => i.fold))].sort((a, b) => a - b)) {
      const held = images.filter((i) => i.fold === fold);
      const rest = images.filter((i) => i.fold !== fold);
      const fitted = await fitArcFace(embeddingTrainingSet(rowsOf(rest), rest, model.classes, 'label'), dim, arcface);
      const index = new ExactIndex(arcface.embeddingDim);
      index.add(rest.map((_, i) => i), embedImages(fitted.weights, fitted.standardisation, rowsOf(rest)));
      const queries = embedImages(fitted.weights, fitted.standardisation, rowsOf(held));
      held.forEach((image, i) => {
        const [nearest] = index.search(queries.subarray(i * arcface.embeddingDim, (i + 1) * arcface.embeddingDim), 1);
        if (nearest && sameLabel(rest[nearest.id]!.label, image.label)) hits++;
        asked++;
      });
    }
    const counts = new Map<string, number>();
    for (const image of images) counts.set(JSON.stringify(image.label), (counts.get(JSON.stringify(image.label)) ?? 0) + 1);
    return { accuracy: asked ? hits / asked : 0, majorityRate: images.length ? Math.max(...counts.values()) / images.length : 0, images: asked };
  } finally {
    context.extractor.dispose();
  }
}
