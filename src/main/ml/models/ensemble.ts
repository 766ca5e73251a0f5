// Ensembles: a model whose prediction is the mean of the probabilities of chosen finished models.
// Its evaluation uses only images that every member predicted out of fold, so it stays measured on
// images none of them trained on.
import type { LabelValue } from '../../../shared/domain';
import { GradedeskError } from '../../../shared/errors';
import type { ModelDetail, ModelSummary, Prediction } from '../../../shared/ml';
import type { Store } from '../../store';
import { evaluate } from '../evaluate/evaluation';
import { decodeOutput } from '../training/heads';

export function createEnsemble(store: Store, modelsDir: string, modelIds: readonly number[], name?: string): ModelSummary {
  const members = [...new Set(modelIds)].map((id) => store.models.get(id));
  if (members.length < 2) throw new GradedeskError('invalid', 'An ensemble needs at least two different models.');
  const [first] = members as [ModelDetail, ...ModelDetail[]];
  for (const member of members) {
    if (member.status !== 'ready') throw new GradedeskError('invalid', `Model ${member.id} is ${member.status}; only finished models can join an ensemble.`);
    if (member.members) throw new GradedeskError('invalid', `Model ${member.id} is itself an ensemble; choose its members instead.`);
    if (member.projectId !== first.projectId) throw new GradedeskError('invalid', 'The models of an ensemble must belong to one project.');
    if (member.head === 'regression') throw new GradedeskError('invalid', `Model ${member.id} is a regression model: it has no probabilities to average.`);
    if (JSON.stringify(member.classes) !== JSON.stringify(first.classes)) throw new GradedeskError('invalid', `Model ${member.id} was trained on other classes than model ${first.id}.`);
  }
  const multilabel = first.taskKind === 'multilabel';
  // Mean of the members' per-label thresholds; single-label probabilities need none.
  const thresholds = multilabel ? first.classes.map((_, k) => members.reduce((sum, m) => sum + (m.thresholds?.[k] ?? 0.5), 0) / members.length) : null;

  return store.transaction(() => {
    const id = store.models.create({
      projectId: first.projectId,
      name: name ?? `Ensemble of models ${members.map((m) => m.id).join(', ')}`,
      taskKind: first.taskKind,
      classes: first.classes,
      // Its probabilities are class probabilities whatever the members' heads: decoded as a softmax head's.
      options: { ...first.options, head: multilabel ? 'multilabel' : 'softmax' },
      preprocessing: first.preprocessing,
      modelsDir,
      members: members.map((m) => m.id),
    });
    const predictions = averagedPredictions(store, id, members, thresholds);
    store.predictions.save(predictions);
    const labels = snapshotLabels(store, members.map((m) => m.id));
    const groups = new Map(store.images.readable(first.projectId).map((image) => [image.id, image.groupId]));
    const heldOut = predictions.filter((p) => p.outOfFold && labels.has(p.imageId));
    const evaluation = evaluate({
      taskKind: first.taskKind,
      head: multilabel ? 'multilabel' : 'softmax',
      classes: first.classes,
      basis: 'out-of-fold',
      images: heldOut.map((p) => ({ ...p, label: labels.get(p.imageId)!, group: groups.get(p.imageId) ?? String(p.imageId) })),
      thresholds,
    });
    store.models.finish(id, { status: 'ready', thresholds, evaluation });
    return store.models.list(first.projectId).find((m) => m.id === id)!;
  });
}

/** The ensemble's predictions: for every image all members predicted, the mean of their probabilities. */
export function averagedPredictions(store: Store, ensembleId: number, members: readonly ModelDetail[], thresholds: number[] | null): Prediction[] {
  const byMember = members.map((m) => new Map(store.predictions.forModel(m.id).map((p) => [p.imageId, p])));
  const isDrGrade = members[0]!.taskKind === 'dr-grade';
  const kind = members[0]!.taskKind === 'multilabel' ? 'multilabel' : 'softmax';
  // An imported model was trained elsewhere, on images Gradedesk cannot know: with one among the members, no image is held out.
  const heldOutKnown = members.every((m) => m.strategy !== 'imported');
  const predictions: Prediction[] = [];
  for (const imageId of byMember[0]!.keys()) {
    const all = byMember.map((map) => map.get(imageId));
    if (all.some((p) => !p?.probabilities)) continue;
    const mean = all[0]!.probabilities!.map((_, k) => all.reduce((sum, p) => sum + p!.probabilities![k]!, 0) / all.length);
    predictions.push({
      modelId: ensembleId,
      imageId,
      ...decodeOutput(kind, mean, thresholds, isDrGrade),
      // Out of fold when no member trained on the image and at least one held it out of its folds.
      outOfFold: heldOutKnown && all.every((p) => p!.outOfFold || !p!.inTrainingSet) && all.some((p) => p!.outOfFold),
      inTrainingSet: all.some((p) => p!.inTrainingSet),
    });
  }
  return predictions;
}

/** The labels the models were trained and validated against, by image (an ensemble: its members'). */
export function snapshotLabels(store: Store, modelIds: readonly number[]): Map<number, LabelValue> {
  const labels = new Map<number, LabelValue>();
  for (const id of modelIds) for (const image of store.models.trainingImages(id)) labels.set(image.imageId, image.label);
  return labels;
}

/** Brings an ensemble's predictions up to date after its members predicted more images. */
export function refreshEnsemble(store: Store, ensemble: ModelDetail): number {
  const members = ensemble.members!.map((id) => store.models.get(id));
  const predictions = averagedPredictions(store, ensemble.id, members, ensemble.thresholds);
  store.predictions.save(predictions);
  return predictions.length;
}
