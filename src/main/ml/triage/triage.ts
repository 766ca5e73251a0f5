// The triage queue: the active model's predictions in an order that puts first what a reader should
// look at next, each with the reason for its place, and which of them a reader has graded since the
// model was made. Images marked ungradable are left out. Ranking needs losses and confident learning,
// so it is computed here rather than in SQL; the ranked queue is kept until the database changes, so
// paging and Review's ←/→ cost a slice.
import { positionIn, type LabelValue } from '../../../shared/domain';
import { sameLabel } from '../../../shared/labels';
import { GradedeskError, invalid } from '../../../shared/errors';
import { DEFAULT_REFERRAL_THRESHOLD, heldOut, type ModelDetail, type Prediction } from '../../../shared/ml';
import { probabilityText, type TriageCounts, type TriageItem, type TriageOrder, type TriagePage, type TriagePosition } from '../../../shared/triage';
import type { Store } from '../../store';
import { classThresholds, confidentJoint } from './confident-learning';

export interface TriageOptions {
  offset?: number;
  /** Items per page (default 100, at most 1000). */
  limit?: number;
  /** List images a reader has graded since the model was made too (they are counted either way). */
  includeReviewed?: boolean;
}

export const TRIAGE_PAGE_LIMIT = 1000;

/** One page of a project's triage queue for its active model. */
export function triageQueue(store: Store, projectId: number, order: TriageOrder, options: TriageOptions = {}): TriagePage {
  const offset = wholeNumber(options.offset ?? 0, 'offset');
  const limit = Math.min(wholeNumber(options.limit ?? 100, 'limit'), TRIAGE_PAGE_LIMIT);
  const queue = rankedQueue(store, projectId, order);
  const listed = options.includeReviewed ? queue.entries : queue.entries.filter((entry) => !queue.reviewed.has(entry.image.imageId));
  const page = listed.slice(offset, offset + limit);
  // A kept ranking of the referable or uncertainty order may predate a grade: labels are read afresh.
  const labels = store.triage.labelsOf(page.map((entry) => entry.image.imageId));
  return {
    items: page.map((entry) => toItem(entry, labels.get(entry.image.imageId) ?? null, queue.reviewed, queue.referralThreshold)),
    ...queue.counts,
    modelId: queue.modelId,
    modelName: queue.modelName,
    referralThreshold: queue.referralThreshold,
    order,
    offset,
    length: listed.length,
  };
}

/** Where an image stands in the queue (what Review's ←/→ move through), with the queue's counts. */
export function triagePosition(store: Store, projectId: number, order: TriageOrder, imageId: number, options: Pick<TriageOptions, 'includeReviewed'> = {}): TriagePosition {
  const queue = rankedQueue(store, projectId, order);
  return {
    ...positionIn(options.includeReviewed ? queue.ids : queue.remainingIds, imageId),
    order,
    modelId: queue.modelId,
    counts: queue.counts,
  };
}

// ---- the ranked queue ----

/** An image the model predicted, with its current label. */
type PredictedImage = Omit<Prediction, 'modelId'> & { fileName: string; label: LabelValue | null };

/** A queue entry before paging: the highest `score` comes first, then the lowest `tie`, then the lowest id. */
interface Ranked {
  image: PredictedImage;
  score: number;
  tie: number;
  /** Put into words only for the items a page returns: a queue can hold tens of thousands. */
  reason: () => string;
}

interface Queue {
  modelId: number;
  modelName: string;
  referralThreshold: number;
  entries: Ranked[];
  ids: number[];
  reviewed: ReadonlySet<number>;
  remainingIds: number[];
  counts: TriageCounts;
}

/** What the rankings need to know about the model. */
interface RankingContext {
  model: Pick<ModelDetail, 'id' | 'taskKind' | 'head' | 'classes'>;
  images: readonly PredictedImage[];
  /** The labels the model trained on (its snapshot), by image. */
  trainedLabels: ReadonlyMap<number, LabelValue>;
}

const MAX_CACHED_QUEUES = 6;

/** A model's predictions, parsed once and kept while the model's predictions stay the same. */
interface ModelPredictions {
  stamp: string;
  model: ModelDetail;
  /** By image id; the current labels and flags are read for each new ranking. */
  predictions: Map<number, Omit<PredictedImage, 'label'>>;
  trainedLabels: Map<number, LabelValue>;
}

/**
 * A ranking is kept while what it was computed from stays the same: the model's predictions, which
 * images are listed (readable, not marked ungradable) and, for orders that read the reader's label,
 * the labels. Referable and uncertainty orders therefore survive a grade: only who is reviewed changes.
 */
interface CachedRanking {
  stamp: string;
  entries: Ranked[];
  ids: number[];
}

interface Caches {
  models: Map<number, ModelPredictions>;
  rankings: Map<string, CachedRanking>;
  queues: Map<string, { version: string; queue: Queue }>;
}

const caches = new WeakMap<Store, Caches>();
const LABEL_FREE_ORDERS: readonly TriageOrder[] = ['referable', 'uncertainty'];

function rankedQueue(store: Store, projectId: number, order: TriageOrder): Queue {
  const project = store.projects.get(projectId);
  const active = store.models.active(projectId);
  if (!active) {
    throw new GradedeskError('not-found', `${project.name} has no active model yet: train one (Train view, or gradedesk train) and its predictions make the triage queue.`);
  }
  // Inside a transaction the queue could include writes that are later rolled back: never cache those.
  const cache = store.inTransaction ? null : cachesOf(store);
  const key = `${active.id}:${order}`;
  const version = store.dataVersion.current();
  const cached = cache?.queues.get(key);
  if (cached && cached.version === version) return cached.queue;

  const stamps = store.triage.stamps(projectId, active.id);
  const models = modelPredictions(store, active.id, stamps.predictions, cache);
  const rankingStamp = `${stamps.predictions}|${stamps.listed}|${LABEL_FREE_ORDERS.includes(order) ? '' : stamps.labels}`;
  let ranking = cache?.rankings.get(key);
  if (!ranking || ranking.stamp !== rankingStamp) {
    const images: PredictedImage[] = [];
    for (const [imageId, label] of store.triage.listedLabels(projectId)) {
      const predicted = models.predictions.get(imageId);
      if (predicted) images.push({ ...predicted, label });
    }
    const entries = rank(order, { model: models.model, images, trainedLabels: models.trainedLabels });
    ranking = { stamp: rankingStamp, entries, ids: entries.map((entry) => entry.image.imageId) };
    if (cache) remember(cache.rankings, key, ranking);
  }
  const reviewed = store.triage.reviewedSince(projectId, models.model.createdAt);
  const remainingIds = ranking.ids.filter((id) => !reviewed.has(id));
  const queue: Queue = {
    modelId: active.id,
    modelName: active.name,
    referralThreshold: active.referralThreshold ?? DEFAULT_REFERRAL_THRESHOLD,
    entries: ranking.entries,
    ids: ranking.ids,
    reviewed,
    remainingIds,
    counts: { reviewed: ranking.ids.length - remainingIds.length, remaining: remainingIds.length, total: ranking.ids.length },
  };
  if (cache) remember(cache.queues, key, { version, queue });
  return queue;
}

function cachesOf(store: Store): Caches {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = { models: new Map(), rankings: new Map(), queues: new Map() }));
  return cache;
}

/** Keeps `value` as the newest of at most `keep` entries. */
function remember<K, T>(map: Map<K, T>, key: K, value: T, keep = MAX_CACHED_QUEUES): void {
  map.delete(key);
  if (map.size >= keep) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** The model's parsed predictions: reading and parsing them is most of a queue's cost, and a grade does not change them. */
function modelPredictions(store: Store, modelId: number, stamp: string, cache: Caches | null): ModelPredictions {
  const cached = cache?.models.get(modelId);
  if (cached && cached.stamp === stamp) return cached;
  const loaded: ModelPredictions = {
    stamp,
    model: store.models.get(modelId),
    predictions: predictionsOf(store, modelId),
    trainedLabels: new Map(store.models.trainingImages(modelId).map((image) => [image.imageId, image.label])),
  };
  // One model per project is active: a few cover the projects open in a session.
  if (cache) remember(cache.models, modelId, loaded, 3);
  return loaded;
}

/** The ranked entries of one order, best first. Throws a GradedeskError when the order does not apply to the model. */
function rank(order: TriageOrder, context: RankingContext): Ranked[] {
  return RANKINGS[order](context).sort((a, b) => b.score - a.score || a.tie - b.tie || a.image.imageId - b.image.imageId);
}

const RANKINGS: Record<TriageOrder, (context: RankingContext) => Ranked[]> = {
  referable: referableFirst,
  uncertainty: mostUncertainFirst,
  disagreement: disagreementFirst,
  'top-loss': topLossFirst,
  'label-errors': labelErrorsFirst,
};

function referableFirst({ model, images }: RankingContext): Ranked[] {
  if (model.taskKind !== 'dr-grade') {
    throw invalid(`The referable order is for DR grading: P(grade ≥ 2) means nothing for ${model.taskKind} classes. Order by uncertainty, disagreement, top-loss or label-errors instead.`);
  }
  if (model.head === 'regression') {
    throw invalid(`Model ${model.id} regresses the grade to one number, which is not a probability, so there is no P(referable) to order by. Order by disagreement or top-loss, or train an ordinal or softmax head.`);
  }
  return images
    .filter((image) => image.referable !== null)
    .map((image) => ({
      image,
      score: image.referable!,
      tie: 0,
      reason: () => `Probability of referable DR (grade 2 or worse) ${fixed(image.referable!)}${image.expected === null ? '' : `; expected grade ${image.expected.toFixed(1)}`}.`,
    }));
}

function mostUncertainFirst({ model, images }: RankingContext): Ranked[] {
  if (model.head === 'regression') {
    throw invalid(`Model ${model.id} regresses the grade to one number without class probabilities, so it says nothing about how unsure it is. Order by disagreement or top-loss, or train an ordinal or softmax head.`);
  }
  const words = wordsFor(model);
  if (model.taskKind === 'multilabel') {
    // Each label is its own yes/no decision: the image is as uncertain as its least certain label.
    return images.filter((image) => image.probabilities).map((image) => {
      const p = image.probabilities!;
      const k = argmax(p.map(binaryEntropy));
      return { image, score: binaryEntropy(p[k]!), tie: 0, reason: () => `Least certain label: ${words.className(k)} at P ${fixed(p[k]!)} (entropy ${fixed(binaryEntropy(p[k]!))}).` };
    });
  }
  return images
    .filter((image) => image.entropy !== null && image.probabilities)
    .map((image) => {
      const [first, second] = topTwo(image.probabilities!);
      return {
        image,
        score: image.entropy!,
        tie: image.margin ?? 0,
        reason: () => `Entropy ${fixed(image.entropy!)}, margin ${fixed(image.margin ?? 0)}: ${words.value(first.k)} at P ${fixed(first.p)}, ${words.value(second.k)} at P ${fixed(second.p)}.`,
      };
    });
}

function disagreementFirst({ model, images }: RankingContext): Ranked[] {
  const words = wordsFor(model);
  const labelled = images.filter((image) => image.label !== null);
  if (model.taskKind === 'dr-grade') {
    // Reader and model disagree when the model's grade differs from the reader's, not when the mean of its
    // probabilities does: a reader's 4 beside a model's 4 (expected 3.4) is agreement, and comes last.
    return labelled.map((image) => {
      const grade = image.label as number;
      const modelGrade = image.predicted as number;
      const apart = Math.abs(modelGrade - grade);
      const expected = image.expected === null ? '' : ` (${model.head === 'regression' ? 'regressed' : 'expected'} grade ${image.expected.toFixed(1)})`;
      const reason = () =>
        apart === 0
          ? `Reader and model agree: grade ${grade}${expected}.`
          : `Reader: grade ${grade}; the model says grade ${modelGrade}${expected}, ${apart} ${apart === 1 ? 'grade' : 'grades'} apart.`;
      return { image, score: apart, tie: image.expected === null ? 0 : -Math.abs(image.expected - grade), reason };
    });
  }
  if (model.taskKind === 'multiclass') {
    return labelled.filter((image) => image.probabilities).map((image) => {
      const p = image.probabilities!;
      const label = image.label as number;
      const preferred = argmax(p);
      const reason = () =>
        preferred === label
          ? `Reader: ${words.className(label)}; the model agrees (P ${fixed(p[label]!)}).`
          : `Reader: ${words.className(label)}, which the model gives P ${fixed(p[label]!)}; it prefers ${words.className(preferred)} (P ${fixed(p[preferred]!)}).`;
      // The chance that the model's class differs from the reader's.
      return { image, score: 1 - p[label]!, tie: 0, reason };
    });
  }
  return labelled.filter((image) => image.probabilities).map((image) => {
    const p = image.probabilities!;
    const carried = new Set(image.label as number[]);
    const gaps = p.map((pk, k) => ({ k, gap: Math.abs((carried.has(k) ? 1 : 0) - pk), pk }));
    const disputed = gaps.filter((g) => g.gap > 0.5).sort((a, b) => b.gap - a.gap).slice(0, 3);
    const parts = disputed.map((g) => (carried.has(g.k) ? `reader has ${words.className(g.k)} (P ${fixed(g.pk)})` : `the model adds ${words.className(g.k)} (P ${fixed(g.pk)})`));
    const score = gaps.reduce((sum, g) => sum + g.gap, 0);
    return {
      image,
      score,
      tie: 0,
      reason: () => (parts.length ? `${capitalise(parts.join('; '))}; ${score.toFixed(1)} labels in dispute in all.` : `The model agrees on every label (${score.toFixed(1)} labels in dispute in all).`),
    };
  });
}

function topLossFirst({ model, images }: RankingContext): Ranked[] {
  const words = wordsFor(model);
  const candidates = images.filter((image) => image.label !== null && heldOut(image));
  if (model.head === 'regression') {
    return candidates.filter((image) => image.expected !== null).map((image) => {
      const grade = image.label as number;
      const loss = (image.expected! - grade) ** 2;
      return { image, score: loss, tie: 0, reason: () => `Squared error ${loss.toFixed(2)}: reader grade ${grade}, the model ${image.expected!.toFixed(1)}.` };
    });
  }
  if (model.taskKind === 'multilabel') {
    return candidates.filter((image) => image.probabilities).map((image) => {
      const carried = new Set(image.label as number[]);
      const losses = image.probabilities!.map((p, k) => binaryCrossEntropy(carried.has(k), p));
      const worst = argmax(losses);
      const p = image.probabilities![worst]!;
      return {
        image,
        score: losses.reduce((a, b) => a + b, 0),
        tie: 0,
        reason: () => `Cross-entropy summed over labels; the largest part is ${words.className(worst)} (reader: ${carried.has(worst) ? 'yes' : 'no'}, P ${fixed(p)}).`,
      };
    });
  }
  return candidates.filter((image) => image.probabilities).map((image) => {
    const p = image.probabilities!;
    const label = image.label as number;
    const preferred = argmax(p);
    const loss = -Math.log(Math.max(p[label]!, EPSILON));
    const reason = () =>
      preferred === label
        ? `The model agrees with the reader's ${words.value(label)} (chance ${fixed(p[label]!)}; surprise ${loss.toFixed(2)}).`
        : `The model gives the reader's ${words.value(label)} a chance of ${fixed(p[label]!)} and prefers ${words.value(preferred)} (${fixed(p[preferred]!)}; surprise ${loss.toFixed(2)}).`;
    // Saturated losses (P(label) rounds to 0) tie: the more confident the model's own class, the sooner.
    return { image, score: loss, tie: -p[preferred]!, reason };
  });
}

/**
 * Confident learning on the probabilities of models that did not train on the image, ranked by
 * self-confidence (cleanlab's default): the score is the doubt 1 − P(label). The per-class
 * thresholds come from the out-of-fold probabilities and the labels the model was trained with, so
 * that a reader's corrections do not reshuffle the rest of the queue; the label judged is the current one.
 */
function labelErrorsFirst({ model, images, trainedLabels }: RankingContext): Ranked[] {
  if (model.head === 'regression') {
    throw invalid(`Confident learning needs class probabilities, and model ${model.id} regresses the grade to one number. Order by disagreement or top-loss, or train an ordinal or softmax head.`);
  }
  const words = wordsFor(model);
  const classCount = model.classes.length;
  const candidates = images.filter((image) => image.label !== null && heldOut(image) && image.probabilities);
  const trained = images.filter((image) => image.outOfFold && image.probabilities && trainedLabels.has(image.imageId));
  const basis = trained.length ? trained : candidates;
  const basisLabel = (image: PredictedImage) => (trained.length ? trainedLabels.get(image.imageId)! : image.label!);

  if (model.taskKind !== 'multilabel') {
    const thresholds = classThresholds(basis.map((i) => i.probabilities!), basis.map((i) => basisLabel(i) as number), classCount);
    const { issues } = confidentJoint(candidates.map((i) => i.probabilities!), candidates.map((i) => i.label as number), classCount, thresholds);
    return issues.map((issue) => ({
      image: candidates[issue.index]!,
      score: 1 - issue.selfConfidence,
      tie: -issue.likelyProbability,
      reason: () => `Labelled ${words.value(issue.given)} (P ${fixed(issue.selfConfidence)}), but the model gives ${words.value(issue.likely)} P ${fixed(issue.likelyProbability)}, at least the ${fixed(thresholds[issue.likely]!)} it typically gives images labelled ${words.value(issue.likely)}.`,
    }));
  }

  // Multilabel: each label is a yes/no task of its own (as cleanlab's multi-label mode does).
  const worst = new Map<number, Ranked>();
  for (let k = 0; k < classCount; k++) {
    const yesNo = (image: PredictedImage) => [1 - image.probabilities![k]!, image.probabilities![k]!];
    const thresholds = classThresholds(basis.map(yesNo), basis.map((i) => Number((basisLabel(i) as number[]).includes(k))), 2);
    const { issues } = confidentJoint(candidates.map(yesNo), candidates.map((i) => Number((i.label as number[]).includes(k))), 2, thresholds);
    for (const issue of issues) {
      const image = candidates[issue.index]!;
      const p = image.probabilities![k]!;
      const reason = () =>
        issue.given === 1
          ? `Labelled ${words.className(k)}, but the model gives it only P ${fixed(p)}; images without it typically get P(absent) ${fixed(thresholds[0]!)}.`
          : `Not labelled ${words.className(k)}, but the model gives it P ${fixed(p)}, at least the ${fixed(thresholds[1]!)} typical of images labelled with it.`;
      const entry = { image, score: 1 - issue.selfConfidence, tie: -issue.likelyProbability, reason };
      const before = worst.get(image.imageId);
      if (!before || entry.score > before.score || (entry.score === before.score && entry.tie < before.tie)) worst.set(image.imageId, entry);
    }
  }
  return [...worst.values()];
}

// ---- what the rankings read ----

function predictionsOf(store: Store, modelId: number): Map<number, Omit<PredictedImage, 'label'>> {
  const fileNames = store.triage.predictedFileNames(modelId);
  return new Map(
    store.predictions.forModel(modelId).map(({ modelId: _model, ...prediction }) => [prediction.imageId, { ...prediction, fileName: fileNames.get(prediction.imageId)! }]),
  );
}

// ---- small helpers ----

const EPSILON = 1e-6;

const toItem = (entry: Ranked, label: LabelValue | null, reviewed: ReadonlySet<number>, referralThreshold: number): TriageItem => ({
  imageId: entry.image.imageId,
  fileName: entry.image.fileName,
  label,
  predicted: entry.image.predicted,
  referable: entry.image.referable,
  expected: entry.image.expected,
  entropy: entry.image.entropy,
  margin: entry.image.margin,
  score: entry.score,
  reason: entry.reason(),
  reviewed: reviewed.has(entry.image.imageId),
  disagrees: label !== null && !sameLabel(label, entry.image.predicted),
  referred: entry.image.referable === null ? null : entry.image.referable >= referralThreshold,
});

function wordsFor(model: RankingContext['model']) {
  const className = (k: number) => model.classes[k] ?? `class ${k}`;
  return { className, value: (k: number) => (model.taskKind === 'dr-grade' ? `grade ${k}` : className(k)) };
}

function binaryEntropy(p: number): number {
  const h = (q: number) => (q > 0 ? -q * Math.log2(q) : 0);
  return h(p) + h(1 - p);
}

function binaryCrossEntropy(present: boolean, p: number): number {
  const q = Math.min(1 - EPSILON, Math.max(EPSILON, p));
  return -Math.log(present ? q : 1 - q);
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k;
  return best;
}

function topTwo(p: readonly number[]): [{ k: number; p: number }, { k: number; p: number }] {
  const sorted = p.map((value, k) => ({ k, p: value })).sort((a, b) => b.p - a.p || a.k - b.k);
  return [sorted[0]!, sorted[1] ?? { k: sorted[0]!.k, p: 0 }];
}

/** Probabilities and other quantities in [0, 1]; losses are shown with toFixed. */
const fixed = probabilityText;
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function wholeNumber(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw invalid(`The triage ${name} must be a whole number of at least 0, not ${value}.`);
  return value;
}
