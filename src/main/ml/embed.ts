// The 'embed' engine task: trains an ArcFace head on the cached backbone features of a ready model's
// training snapshot (the model's backbone, size and preprocessing, so the features are cached
// already), saves it beside the model's files, and stores an embedding for every readable image.
import { GradedeskError } from '../../shared/errors';
import type { LabelValue } from '../../shared/domain';
import { ProgressMeter } from '../jobs/progress';
import { EmbeddingStore } from '../store/embeddings';
import { averageViews, DEFAULT_ARCFACE, embedRows, groupIndices, labelGroups, trainArcFace, type ArcFaceOptions, type ArcFaceWeights } from './arcface';
import { saveArcFace, type EmbeddingGrouping } from './arcface-files';
import { featureContext, type Engine } from './engine';
import { ensureFeatures, extractorKey } from './extract-features';
import { featureRows, standardise, standardisationOf } from './head-data';
import type { Standardisation } from './model-files';
import type { RunControl } from './training-run';
import { TTA_VIEWS } from './views';

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
}

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
export function embedImages(weights: ArcFaceWeights, standardisation: Standardisation, raw: Float32Array): Float32Array {
  return averageViews(embedRows(weights, standardise(raw, standardisation)), weights.embeddingDim, TTA_VIEWS.length);
}

const CHUNK = 512;

export async function embedProject(engine: Engine, modelId: number, request: EmbedRequest = {}, control: RunControl = {}): Promise<EmbedOutcome> {
  const { store } = engine;
  const model = store.models.get(modelId);
  if (model.status !== 'ready') throw new GradedeskError('invalid', `Model ${modelId} is ${model.status}; embeddings are trained on a finished model's images.`);
  const options: ArcFaceOptions = { ...DEFAULT_ARCFACE, ...request.options };
  const groupBy = request.groupBy ?? 'label';
  const context = await featureContext(engine, model.backboneId, model.inputSize, model.taskKind);
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
    const labelled = store.models.trainingImages(modelId).filter((s) => byId.has(s.imageId)).map((s) => ({ ...byId.get(s.imageId)!, label: s.label }));

    const set = embeddingTrainingSet(featureRows(store.features, key, dim, labelled, TTA_VIEWS), labelled, model.classes, groupBy);
    const meter = new ProgressMeter('Training the embedding', options.epochs);
    control.onProgress?.(meter.snapshot());
    const fitted = await fitArcFace(set, dim, options, {
      ...(control.signal ? { signal: control.signal } : {}),
      onEpoch: (epoch, loss) => {
        meter.done = epoch;
        control.onProgress?.(meter.snapshot(`epoch ${epoch}: loss ${loss.toFixed(4)}`));
      },
    });
    saveArcFace(store.models.dir(modelId), {
      manifest: {
        format: 'gradedesk-arcface/1',
        extractor: key,
        inputDim: dim,
        embeddingDim: options.embeddingDim,
        groupBy,
        groups: set.names,
        options,
        standardisation: fitted.standardisation,
        losses: fitted.losses,
        trainingImages: labelled.length,
        createdAt: new Date().toISOString(),
      },
      weights: fitted.weights,
    });

    const embeddings = new EmbeddingStore(store.db);
    embeddings.clear(modelId);
    const embedding = new ProgressMeter('Embedding images', usable.length);
    for (let start = 0; start < usable.length; start += CHUNK) {
      if (control.signal?.aborted) throw new GradedeskError('cancelled', 'Embedding was cancelled.');
      const chunk = usable.slice(start, start + CHUNK);
      const vectors = embedImages(fitted.weights, fitted.standardisation, featureRows(store.features, key, dim, chunk, TTA_VIEWS));
      const d = options.embeddingDim;
      embeddings.put(modelId, chunk.map((image, i) => ({ imageId: image.id, vector: vectors.slice(i * d, (i + 1) * d) })));
      embedding.done += chunk.length;
      control.onProgress?.(embedding.snapshot());
    }
    return { modelId, embedded: usable.length, failed: extraction.failed.length, embeddingDim: options.embeddingDim, losses: fitted.losses };
  } finally {
    context.extractor.dispose();
  }
}
