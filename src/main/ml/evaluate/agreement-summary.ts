// Agreement in a project: every pair of readers on the images both graded, each reader and the active model
// against the final label, Fleiss' κ over the images every reader graded, and each of these per ISO week.
// `summariseAgreement` takes the final labels as input: today each image's current label, later the
// adjudicated one, without changing the statistics.
import {
  SMALL_SAMPLE,
  type AgreementFigures,
  type AgreementSummary,
  type FleissAgreement,
  type ModelStanding,
  type ReaderPairAgreement,
  type ReferenceAgreement,
} from '../../../shared/agreement';
import type { TaskSpec } from '../../../shared/domain';
import { GradedeskError } from '../../../shared/errors';
import { heldOut } from '../../../shared/ml';
import type { Store } from '../../store';
import type { CurrentClass, ReaderGrade } from '../../store/labels';
import { agreementOverTime, compareRaters, fleissAgreement, fleissOverTime, type AgreementOptions, type PairedGrade, type RatedImage } from './agreement';
import type { BootstrapOptions } from './bootstrap';

/** An image's final label: the value every grader is compared with, and the event that gave it (today: its current class). */
export type FinalLabel = CurrentClass;

/** The active model's predictions of the project's images; `heldOut` when it did not train on the image. */
export interface ModelOpinion {
  name: string;
  predictions: ReadonlyArray<{ imageId: number; predicted: number; heldOut: boolean }>;
}

export interface AgreementInputs {
  projectId: number;
  task: TaskSpec;
  grades: readonly ReaderGrade[];
  finalLabels: readonly FinalLabel[];
  model: ModelOpinion | null;
  bootstrap?: BootstrapOptions;
}

/** The project's agreement, with the current labels as the final ones (until adjudication exists). */
export function agreementSummary(store: Store, projectId: number): AgreementSummary {
  const project = store.projects.get(projectId);
  const active = store.models.active(projectId);
  const model: ModelOpinion | null = active
    ? {
        name: active.name,
        predictions: store.predictions
          .forModel(active.id)
          .flatMap((p) => (typeof p.predicted === 'number' ? [{ imageId: p.imageId, predicted: p.predicted, heldOut: heldOut(p) }] : [])),
      }
    : null;
  const summary = summariseAgreement({
    projectId,
    task: project.task,
    grades: store.labels.gradesByReader(projectId),
    finalLabels: store.labels.currentClasses(projectId),
    model,
  });
  summary.notes.unshift(
    "The final label is each image's current label (an imported label or the latest grade) until adjudication exists; " +
      'a reader is compared with it only on images whose current label is not their own grade.',
  );
  return summary;
}

export function summariseAgreement({ projectId, task, grades, finalLabels, model, bootstrap }: AgreementInputs): AgreementSummary {
  const { kind, classes } = task;
  if (kind === 'multilabel') {
    throw new GradedeskError('unsupported', 'Agreement is measured on DR grades and single-class projects; a multilabel project has no agreement figures yet.');
  }
  const betweenReaders: AgreementOptions = { classCount: classes.length, ordered: kind === 'dr-grade', referable: false, bootstrap };
  const againstLabel: AgreementOptions = { ...betweenReaders, referable: kind === 'dr-grade' };
  const byReader = gradesOfEachReader(grades);
  const readers = [...byReader.keys()].sort((a, b) => a.localeCompare(b));
  const notes: string[] = [];

  const pairs: ReaderPairAgreement[] = [];
  readers.forEach((a, i) =>
    readers.slice(i + 1).forEach((b) => {
      const shared = pairedGrades(byReader.get(a)!, byReader.get(b)!);
      if (shared.length === 0) notes.push(`${a} and ${b} have graded no image in common.`);
      else pairs.push({ readers: [a, b], ...compareRaters(shared, betweenReaders), overTime: agreementOverTime(shared, betweenReaders) });
    }),
  );
  if (readers.length === 0) notes.push('No reader has graded an image of this project yet: there is nothing to compare.');
  if (readers.length === 1) notes.push(`Only ${readers[0]} has graded images of this project: there is no other reader to compare with.`);

  const againstReference = readers.flatMap((reader) => readerAgainstFinal(reader, byReader.get(reader)!, finalLabels, againstLabel));
  const standing = model ? modelAgainstFinal(model, finalLabels, againstLabel, notes) : null;
  if (!model) notes.push('The project has no active model, so no model is compared.');
  if (standing?.row) againstReference.push(standing.row);

  const fleiss = fleissOf(readers, byReader, classes.length, notes, bootstrap);
  notes.push(...uncertaintyNotes([...pairs, ...againstReference], fleiss));
  if (pairs.length + againstReference.length > 0) {
    notes.push(
      'Over time, a pair of readers counts in the ISO week of the later of its two grades, a reader against the final label in the week of ' +
        "the reader's grade, the model in the week of the final label, and an image in Fleiss' κ in the week of the last of its grades.",
    );
  }
  return { projectId, taskKind: kind, classes, readers, pairs, againstReference, fleiss, model: standing?.standing ?? null, notes };
}

function gradesOfEachReader(grades: readonly ReaderGrade[]): Map<string, Map<number, ReaderGrade>> {
  const byReader = new Map<string, Map<number, ReaderGrade>>();
  for (const grade of grades) {
    const own = byReader.get(grade.readerName) ?? new Map<number, ReaderGrade>();
    byReader.set(grade.readerName, own.set(grade.imageId, grade));
  }
  return byReader;
}

/** What a reader must know before trusting the figures: a κ without an interval, and small samples. */
function uncertaintyNotes(figures: readonly AgreementFigures[], fleiss: FleissAgreement | null): string[] {
  const notes: string[] = [];
  const kappaWithoutInterval = figures.some((f) => (['kappa', 'quadraticKappa'] as const).some((name) => f[name] !== null && !f.intervals[name]));
  if (kappaWithoutInterval || (fleiss !== null && fleiss.kappa !== null && fleiss.interval === null)) {
    notes.push('A κ without an interval came from too few patients, or ones whose resampling never moved it: it is unsettled, not exact.');
  }
  const sizes = [...figures.map((f) => f.n), ...(fleiss ? [fleiss.n] : [])];
  if (sizes.some((n) => n < SMALL_SAMPLE)) {
    notes.push(`Figures from fewer than ${SMALL_SAMPLE} images are indicative only; their 95% intervals show how little they pin down.`);
  }
  return notes;
}

/** The images both readers graded, in image order, dated by the later grade. */
function pairedGrades(a: ReadonlyMap<number, ReaderGrade>, b: ReadonlyMap<number, ReaderGrade>): PairedGrade[] {
  return [...a.values()].flatMap((grade) => {
    const other = b.get(grade.imageId);
    if (!other) return [];
    const at = grade.gradedAt > other.gradedAt ? grade.gradedAt : other.gradedAt;
    return [{ group: grade.groupId, a: grade.value, b: other.value, at }];
  });
}

function readerAgainstFinal(reader: string, grades: ReadonlyMap<number, ReaderGrade>, finalLabels: readonly FinalLabel[], options: AgreementOptions): ReferenceAgreement[] {
  // Where the final label is this reader's own grade, the reader agrees with it by construction.
  const paired = finalLabels.flatMap((label) => {
    const grade = grades.get(label.imageId);
    return grade && grade.eventId !== label.fromEventId ? [{ group: label.groupId, a: grade.value, b: label.value, at: grade.gradedAt }] : [];
  });
  if (paired.length === 0) return [];
  return [{ grader: reader, kind: 'reader', ...compareRaters(paired, options), overTime: agreementOverTime(paired, options) }];
}

/**
 * The model against the final label on the images it did not train on. Two kinds of image are left out and
 * counted: those it trained on with no out-of-fold prediction (it learnt their labels), and those whose final
 * label is an accepted suggestion (it would agree with itself).
 */
function modelAgainstFinal(
  model: ModelOpinion,
  finalLabels: readonly FinalLabel[],
  options: AgreementOptions,
  notes: string[],
): { row: ReferenceAgreement | null; standing: ModelStanding } {
  const predictions = new Map(model.predictions.map((p) => [p.imageId, p]));
  const paired: PairedGrade[] = [];
  let trainedOnWithoutOutOfFold = 0;
  let acceptedSuggestions = 0;
  for (const label of finalLabels) {
    const prediction = predictions.get(label.imageId);
    if (!prediction) continue;
    if (!prediction.heldOut) trainedOnWithoutOutOfFold += 1;
    else if (label.source === 'model-accepted') acceptedSuggestions += 1;
    else paired.push({ group: label.groupId, a: prediction.predicted, b: label.value, at: label.labelledAt });
  }
  const standing: ModelStanding = { name: model.name, compared: paired.length, trainedOnWithoutOutOfFold, acceptedSuggestions };
  if (trainedOnWithoutOutOfFold > 0) {
    notes.push(
      `The active model ${model.name} trained on ${trainedOnWithoutOutOfFold} labelled image(s) without an out-of-fold prediction: ` +
        'its agreement there is not shown, since a model agrees with the labels it learnt.',
    );
  }
  if (acceptedSuggestions > 0) {
    notes.push(`${acceptedSuggestions} final label(s) are accepted suggestions, where the model would agree with itself: the model is not compared on them.`);
  }
  if (paired.length === 0) {
    notes.push(`The active model ${model.name} has predicted no labelled image it did not train on, so it is not compared.`);
    return { row: null, standing };
  }
  notes.push(`The active model ${model.name} is compared only on labelled images it did not train on (out-of-fold, or not in its training set).`);
  return { row: { grader: model.name, kind: 'model', ...compareRaters(paired, options), overTime: agreementOverTime(paired, options) }, standing };
}

/** Fleiss' κ over the images every reader graded, when there are three readers or more, overall and per week. */
function fleissOf(
  readers: string[],
  byReader: ReadonlyMap<string, ReadonlyMap<number, ReaderGrade>>,
  classCount: number,
  notes: string[],
  bootstrap: BootstrapOptions | undefined,
): FleissAgreement | null {
  if (readers.length < 3) return null;
  const [first, ...others] = readers.map((reader) => byReader.get(reader)!);
  const images = [...first!.values()].filter((grade) => others.every((grades) => grades.has(grade.imageId)));
  if (images.length === 0) {
    notes.push(`No image was graded by all ${readers.length} readers, so there is no Fleiss' κ.`);
    return null;
  }
  const rated: RatedImage[] = images.map((grade) => {
    const all = [grade, ...others.map((grades) => grades.get(grade.imageId)!)];
    // Dated, like a pair, by the grade that made the comparison possible: the last one.
    return { group: grade.groupId, ratings: all.map((g) => g.value), at: all.map((g) => g.gradedAt).reduce((a, b) => (a > b ? a : b)) };
  });
  return { readers, ...fleissAgreement(rated, classCount, bootstrap), overTime: fleissOverTime(rated, classCount, bootstrap) };
}
