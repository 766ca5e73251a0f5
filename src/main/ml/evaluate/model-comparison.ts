// Two models side by side, fairly: only the images both held out (out of fold), each with the label it
// has now, so that a relabel since either was trained cannot tilt the comparison. Differences carry a
// 95% interval from resampling the same patients for both models.
import { GradedeskError } from '../../../shared/errors';
import { sameLabel } from '../../../shared/labels';
import { HEADLINE_METRICS, headlineFigures, type ComparedMetric, type ModelComparison, type ModelDetail } from '../../../shared/ml';
import type { Store } from '../../store';
import { groupBootstrap } from './bootstrap';
import { snapshotLabels } from '../models/ensemble';
import { evaluate, measure, type EvaluatedImage, type EvaluationRequest } from './evaluation';

/** The images two models both held out, each with its label now, as evaluation requests for either model. */
export function onSameImages(store: Store, aId: number, bId: number) {
  const a = store.models.get(aId);
  const b = store.models.get(bId);
  if (a.projectId !== b.projectId) throw new GradedeskError('invalid', `Models ${aId} and ${bId} belong to different projects; compare models of one project.`);
  if (a.taskKind !== b.taskKind || JSON.stringify(a.classes) !== JSON.stringify(b.classes)) {
    throw new GradedeskError('invalid', `Models ${aId} and ${bId} predict different classes, so their figures cannot be compared.`);
  }
  const images = new Map(store.images.readable(a.projectId).filter((image) => image.label !== null && !image.ungradable).map((image) => [image.id, image]));
  const heldOutA = new Map(store.predictions.forModel(aId, { outOfFoldOnly: true }).map((p) => [p.imageId, p]));
  const heldOutB = new Map(store.predictions.forModel(bId, { outOfFoldOnly: true }).map((p) => [p.imageId, p]));
  const common = [...heldOutA.keys()].filter((id) => heldOutB.has(id) && images.has(id));
  const rows = (predictions: typeof heldOutA): EvaluatedImage[] =>
    common.map((id) => ({ ...predictions.get(id)!, label: images.get(id)!.label!, group: images.get(id)!.groupId }));
  const request = (model: ModelDetail, imagesOf: EvaluatedImage[], threshold: number | undefined): EvaluationRequest => ({
    taskKind: model.taskKind,
    head: model.head,
    classes: model.classes,
    basis: 'out-of-fold',
    images: imagesOf,
    thresholds: model.thresholds,
    ...(threshold === undefined ? {} : { threshold }),
  });
  return { a, b, images, heldOutA, heldOutB, common, rowsA: rows(heldOutA), rowsB: rows(heldOutB), request };
}

export function compareModels(store: Store, aId: number, bId: number, thresholds: { a?: number; b?: number } = {}): ModelComparison {
  const { a, b, images, heldOutA, heldOutB, common, rowsA, rowsB, request } = onSameImages(store, aId, bId);
  const evaluationA = evaluate(request(a, rowsA, thresholds.a));
  const evaluationB = evaluate(request(b, rowsB, thresholds.b));

  // Paired: one draw of patients, both models measured on it.
  const paired = common.map((id, i) => ({ group: images.get(id)!.groupId, i }));
  const differences = groupBootstrap(paired, (sample) => {
    const figuresA = headlineFigures(measure(request(a, sample.map((s) => rowsA[s.i]!), thresholds.a)));
    const figuresB = headlineFigures(measure(request(b, sample.map((s) => rowsB[s.i]!), thresholds.b)));
    return Object.fromEntries(HEADLINE_METRICS.map((metric) => [metric, difference(figuresA[metric], figuresB[metric])]));
  });
  const headlineA = headlineFigures(evaluationA);
  const headlineB = headlineFigures(evaluationB);
  const metrics: ComparedMetric[] = HEADLINE_METRICS.filter((metric) => headlineA[metric] !== null || headlineB[metric] !== null).map((metric) => ({
    metric,
    a: headlineA[metric],
    b: headlineB[metric],
    difference: difference(headlineA[metric], headlineB[metric]),
    interval: differences[metric] ?? null,
  }));

  const relabelledSince = (modelId: number) => {
    const trained = snapshotLabels(store, store.models.get(modelId).members ?? [modelId]);
    return [...trained].filter(([id, label]) => images.has(id) && !sameLabel(label, images.get(id)!.label)).length;
  };
  return {
    a: evaluationA,
    b: evaluationB,
    metrics,
    images: common.length,
    groups: new Set(common.map((id) => images.get(id)!.groupId)).size,
    onlyA: [...heldOutA.keys()].filter((id) => !heldOutB.has(id) && images.has(id)).length,
    onlyB: [...heldOutB.keys()].filter((id) => !heldOutA.has(id) && images.has(id)).length,
    relabelledSinceA: relabelledSince(aId),
    relabelledSinceB: relabelledSince(bId),
  };
}

const difference = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b);
