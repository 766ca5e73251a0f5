// What a training run learns from, fixed when it starts: the labelled images with their labels then,
// each assigned to a validation fold by patient (or lesion), so no patient is in training and
// validation at once.
import type { LabelValue, Project } from '../../../shared/domain';
import { GradedeskError } from '../../../shared/errors';
import { defaultFeatureConfiguration, defaultTrainOptions, featureConfiguration, headsFor, type TrainOptions } from '../../../shared/ml';
import type { Store } from '../../store';
import type { ReadableImage } from '../../store/images';
import type { TrainingImage } from '../../store/models';
import { groupedHoldout, stratifiedGroupKFold } from './folds';
import { preprocessorFor } from '../features/preprocessing';

/** Holdout plans mark the training side with this fold. */
export const TRAINING_SIDE = -1;

/** Images a model may learn from: readable, graded, not marked ungradable, not a copy of another image. */
export function trainableImages(images: readonly ReadableImage[]): Array<ReadableImage & { label: LabelValue }> {
  return images.filter((i): i is ReadableImage & { label: LabelValue } => i.label !== null && !i.ungradable && i.duplicateOf === null);
}

export function resolveOptions(project: Project, requested: Partial<TrainOptions> = {}): TrainOptions {
  const options: TrainOptions = { ...defaultTrainOptions(project.task.kind), ...requested };
  // Multi-scale features are cached pooled vectors: a head trains on them, fine-tuning cannot.
  if (options.strategy === 'fine-tune' && requested.features && requested.features !== 'single') {
    throw new GradedeskError('invalid', `Fine-tuning trains on one view at ${options.inputSize} px; multi-scale features (${requested.features}) are for the head strategy.`);
  }
  // The task's default features are made with the default backbone at its default size: another backbone
  // or input size means one view of it at that size, as before.
  const defaults = defaultTrainOptions(project.task.kind);
  const chosenInput = options.backboneId !== defaults.backboneId || options.inputSize !== defaults.inputSize;
  const features = options.strategy === 'head' ? (requested.features ?? (chosenInput ? 'single' : defaultFeatureConfiguration(project.task.kind))) : 'single';
  if (features === 'single') delete options.features;
  else options.features = features;
  if (!headsFor(project.task.kind).includes(options.head)) {
    throw new GradedeskError('invalid', `A ${options.head} head does not fit a ${project.task.kind} project; use ${headsFor(project.task.kind).join(' or ')}.`);
  }
  if (Array.isArray(options.classWeights) && options.classWeights.length !== project.task.classes.length) {
    throw new GradedeskError('invalid', `Give one class weight per class (${project.task.classes.length}), not ${options.classWeights.length}.`);
  }
  return options;
}

/** A stratum per image for fold balance: the grade or class, or a multilabel image's rarest label. */
function strata(images: ReadonlyArray<{ label: LabelValue }>): number[] {
  const counts = new Map<number, number>();
  for (const { label } of images) for (const k of Array.isArray(label) ? label : [label]) counts.set(k, (counts.get(k) ?? 0) + 1);
  return images.map(({ label }) => {
    const labels = Array.isArray(label) ? label : [label];
    if (labels.length === 0) return -1;
    return labels.reduce((rarest, k) => (counts.get(k)! < counts.get(rarest)! ? k : rarest));
  });
}

export function assignFolds(images: ReadonlyArray<{ id: number; groupId: string; label: LabelValue }>, options: TrainOptions): TrainingImage[] {
  const items = strata(images).map((stratum, i) => ({ group: images[i]!.groupId, stratum }));
  const folds =
    options.validation.kind === 'k-fold'
      ? stratifiedGroupKFold(items, options.validation.folds, options.seed)
      : groupedHoldout(items, options.validation.fraction, options.seed).map((heldOut) => (heldOut ? 0 : TRAINING_SIDE));
  return images.map((image, i) => ({ imageId: image.id, label: image.label, fold: folds[i]! }));
}

export function foldCount(options: TrainOptions): number {
  return options.validation.kind === 'k-fold' ? options.validation.folds : 1;
}

/**
 * "Model 3 (224 px)", "Model 4 (384 px, fine-tuned)": a name a reader can say aloud, numbered past every
 * model the project has; the backbone and head are in the model's details.
 */
export function defaultModelName(existing: readonly string[], options: Pick<TrainOptions, 'inputSize' | 'strategy' | 'features'>): string {
  const numbers = existing.map((name) => Number(/^Model (\d+)\b/.exec(name)?.[1] ?? 0));
  const next = Math.max(existing.length, ...numbers) + 1;
  const features = featureConfiguration(options.features);
  const size = `${features.globalSize ?? options.inputSize} px${features.tiles ? ` + ${features.tiles.grid}×${features.tiles.grid} tiles` : ''}${features.channel === 'green' ? ', green' : ''}`;
  return `Model ${next} (${size}${options.strategy === 'fine-tune' ? ', fine-tuned' : ''})`;
}

/** Creates the model row and its training snapshot; the run itself happens in `runTraining`. */
export function prepareModel(store: Store, modelsDir: string, project: Project, requested: Partial<TrainOptions> = {}, name?: string): number {
  const options = resolveOptions(project, requested);
  const images = trainableImages(store.images.readable(project.id));
  const classesPresent = new Set(images.flatMap((i) => (Array.isArray(i.label) ? i.label : [i.label])));
  if (images.length < 10 || classesPresent.size < 2) {
    throw new GradedeskError(
      'invalid',
      `Training needs at least 10 graded images in at least 2 classes; ${project.name} has ${images.length} in ${classesPresent.size}. Grade more images first.`,
    );
  }
  let snapshot: TrainingImage[];
  try {
    snapshot = assignFolds(images, options);
  } catch (error) {
    throw new GradedeskError('invalid', `${(error as Error).message} Use fewer folds or a hold-out.`);
  }
  return store.transaction(() => {
    const modelId = store.models.create({
      projectId: project.id,
      name: name ?? defaultModelName(store.models.list(project.id).map((model) => model.name), options),
      taskKind: project.task.kind,
      classes: project.task.classes,
      options,
      preprocessing: preprocessorFor(project.task.kind, featureConfiguration(options.features).channel).id,
      modelsDir,
    });
    store.models.saveTrainingImages(modelId, snapshot);
    return modelId;
  });
}
