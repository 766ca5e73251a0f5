// The 'embedding' engine job: trains an ArcFace head on the cached backbone features of a ready model's
// training snapshot (the model's backbone, size and preprocessing, so the features are cached
// already), saves it beside the model's files, and stores an embedding for every readable image; then,
// fold by fold, a head trained without that fold embeds the snapshot again (out-of-fold spaces).
import { GradedeskError } from '../../../shared/errors';
import type { NeighbourAccuracy } from '../../../shared/similar';
import { ProgressMeter } from '../../jobs/progress';
import { HeldOutTally } from '../../search/held-out';
import { DEFAULT_ARCFACE, type ArcFaceOptions } from './arcface';
import { ARCFACE_FORMAT, removeArcFace, saveArcFace, type EmbeddingGrouping } from './arcface-files';
import { embedByFold, embeddingTrainingSet, embedImages, fitArcFace } from './arcface-fit';
import { featureContext, type Engine } from '../engine/engine';
import { ensureFeatures, extractorKey } from '../features/extract-features';
import { featureRows } from '../training/head-data';
import type { RunControl } from '../training/training-run';
import { TTA_VIEWS } from '../features/views';

export interface EmbedRequest {
  /** Pull images of one label together (default), or images of one group id (patient). */
  groupBy?: EmbeddingGrouping;
  options?: Partial<ArcFaceOptions>;
}

export interface EmbedOutcome {
  modelId: number;
  embedded: number;
  failed: number;
  embeddingDim: number;
  losses: number[];
  heldOut: NeighbourAccuracy | null;
}

const CHUNK = 512;

export async function embedProject(engine: Engine, modelId: number, request: EmbedRequest = {}, control: RunControl = {}): Promise<EmbedOutcome> {
  const { store } = engine;
  const model = store.models.get(modelId);
  if (model.status !== 'ready') throw new GradedeskError('invalid', `Model ${modelId} is ${model.status}; embeddings are trained on a finished model's images.`);
  // A setting left undefined keeps its default rather than erasing it.
  const chosen = Object.fromEntries(Object.entries(request.options ?? {}).filter(([, value]) => value !== undefined));
  const options: ArcFaceOptions = { ...DEFAULT_ARCFACE, ...chosen };
  const groupBy = request.groupBy ?? 'label';
  const context = await featureContext(engine, model.backboneId, model.inputSize, model.taskKind, { features: model.options.features });
  try {
    if (context.preprocessor.id !== model.preprocessing) {
      throw new GradedeskError('invalid', `Model ${modelId} used preprocessing ${model.preprocessing}, which this version replaced; train a new model first.`);
    }
    const key = extractorKey(context);
    const dim = context.extractor.featureDim;
    const images = store.images.readable(model.projectId);
    const extraction = await ensureFeatures(context, images, TTA_VIEWS, control);
    const unreadable = new Set(extraction.failed.map((f) => f.sha256));
    const usable = images.filter((image) => !unreadable.has(image.sha256));
    const byId = new Map(usable.map((image) => [image.id, image]));
    const labelled = store.models
      .trainingImages(modelId)
      .filter((s) => byId.has(s.imageId))
      .map((s) => ({ ...byId.get(s.imageId)!, label: s.label, fold: s.fold }));

    const raw = featureRows(store.features, key, dim, labelled, TTA_VIEWS);
    const set = embeddingTrainingSet(raw, labelled, model.classes, groupBy);
    const meter = new ProgressMeter('Training the embedding', options.epochs);
    control.onProgress?.(meter.snapshot());
    const fitted = await fitArcFace(set, dim, options, {
      ...(control.signal ? { signal: control.signal } : {}),
      onEpoch: (epoch, loss) => {
        meter.done = epoch;
        control.onProgress?.(meter.snapshot(`epoch ${epoch}: loss ${loss.toFixed(4)}`));
      },
    });
    const { embeddings } = store;
    removeArcFace(store.models.dir(modelId));
    embeddings.clear(modelId);
    const d = options.embeddingDim;
    // Each graded image of the snapshot is also embedded by the head trained without its fold, where its
    // similar cases are looked up: its own label never shapes the space it is compared in.
    const tally = new HeldOutTally(labelled, d);
    const measuring = new ProgressMeter('Embedding each fold without its own labels', new Set(labelled.map((i) => i.fold).filter((fold) => fold >= 0)).size);
    control.onProgress?.(measuring.snapshot());
    const folds = await embedByFold(raw, labelled, dim, model.classes, options, groupBy, {
      ...(control.signal ? { signal: control.signal } : {}),
      onFold: (fold, vectors, done) => {
        embeddings.put(modelId, labelled.map((image, i) => ({ imageId: image.id, vector: vectors.slice(i * d, (i + 1) * d) })), fold);
        tally.addFold(fold, vectors);
        measuring.done = done;
        control.onProgress?.(measuring.snapshot());
      },
    });
    const heldOut = tally.result();
    const embedding = new ProgressMeter('Embedding images', usable.length);
    for (let start = 0; start < usable.length; start += CHUNK) {
      if (control.signal?.aborted) throw new GradedeskError('cancelled', 'Embedding was cancelled.');
      const chunk = usable.slice(start, start + CHUNK);
      const vectors = await embedImages(fitted.weights, fitted.standardisation, featureRows(store.features, key, dim, chunk, TTA_VIEWS));
      embeddings.put(modelId, chunk.map((image, i) => ({ imageId: image.id, vector: vectors.slice(i * d, (i + 1) * d) })));
      embedding.done += chunk.length;
      control.onProgress?.(embedding.snapshot());
    }
    // Last, so that a model has a head only once every space is stored.
    saveArcFace(store.models.dir(modelId), {
      manifest: {
        format: ARCFACE_FORMAT,
        extractor: key,
        inputDim: dim,
        embeddingDim: options.embeddingDim,
        groupBy,
        groups: set.names,
        options,
        standardisation: fitted.standardisation,
        losses: fitted.losses,
        trainingImages: labelled.length,
        folds,
        heldOut,
        createdAt: new Date().toISOString(),
      },
      weights: fitted.weights,
    });
    return { modelId, embedded: usable.length, failed: extraction.failed.length, embeddingDim: options.embeddingDim, losses: fitted.losses, heldOut };
  } finally {
    context.extractor.dispose();
  }
}
