// Agreement in a project: every pair of readers on the images both graded, each reader and the active model
// against the reference label, and Fleiss' κ over the images every reader graded.
// Until adjudication exists, the reference is each image's current label.
import { SMALL_SAMPLE, type AgreementFigures, type AgreementSummary, type FleissAgreement, type ReaderPairAgreement, type ReferenceAgreement } from '../../../shared/agreement';
import { GradedeskError } from '../../../shared/errors';
import { heldOut } from '../../../shared/ml';
import type { Store } from '../../store';
import type { CurrentClass, ReaderGrade } from '../../store/labels';
import { compareRaters, fleissCounts, fleissKappa, type AgreementOptions, type PairedGrade } from './agreement';
import { groupBootstrap } from './bootstrap';

export function agreementSummary(store: Store, projectId: number): AgreementSummary {
  const project = store.projects.get(projectId);
  const { kind, classes } = project.task;
  if (kind === 'multilabel') {
    throw new GradedeskError('unsupported', 'Agreement is measured on DR grades and single-class projects; a multilabel project has no agreement figures yet.');
  }
  const betweenReaders: AgreementOptions = { classCount: classes.length, ordered: kind === 'dr-grade', referable: false };
  const againstLabel: AgreementOptions = { ...betweenReaders, referable: kind === 'dr-grade' };
  const byReader = gradesOfEachReader(store.labels.gradesByReader(projectId));
  const readers = [...byReader.keys()].sort((a, b) => a.localeCompare(b));
  const notes: string[] = [];

  const pairs: ReaderPairAgreement[] = [];
  readers.forEach((a, i) =>
    readers.slice(i + 1).forEach((b) => {
      const shared = pairedGrades(byReader.get(a)!, byReader.get(b)!);
      if (shared.length === 0) notes.push(`${a} and ${b} have graded no image in common.`);
      else pairs.push({ readers: [a, b], ...compareRaters(shared, betweenReaders) });
    }),
  );
  if (readers.length === 0) notes.push('No reader has graded an image of this project yet: there is nothing to compare.');
  if (readers.length === 1) notes.push(`Only ${readers[0]} has graded images of this project: there is no other reader to compare with.`);

  const reference = store.labels.currentClasses(projectId);
  const againstReference = readers.flatMap((reader) => readerAgainstReference(reader, byReader.get(reader)!, reference, againstLabel));
  notes.push(
    "The reference is each image's current label (an imported label or the latest grade) until adjudication exists; " +
      'a reader is compared with it only on images whose current label is not their own grade.',
  );
  const model = modelAgainstReference(store, projectId, reference, againstLabel, notes);
  if (model) againstReference.push(model);

  const fleiss = fleissOf(readers, byReader, classes.length, notes);
  notes.push(...uncertaintyNotes([...pairs, ...againstReference], fleiss));
  return { projectId, taskKind: kind, classes, readers, pairs, againstReference, fleiss, notes };
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

/** The images both readers graded, in image order. */
function pairedGrades(a: ReadonlyMap<number, ReaderGrade>, b: ReadonlyMap<number, ReaderGrade>): PairedGrade[] {
  return [...a.values()].flatMap((grade) => {
    const other = b.get(grade.imageId);
    return other ? [{ group: grade.groupId, a: grade.value, b: other.value }] : [];
  });
}

function readerAgainstReference(reader: string, grades: ReadonlyMap<number, ReaderGrade>, reference: readonly CurrentClass[], options: AgreementOptions): ReferenceAgreement[] {
  // Where the current label is this reader's own grade, the reader agrees with it by construction.
  const paired = reference.flatMap((label) => {
    const grade = grades.get(label.imageId);
    return grade && grade.eventId !== label.fromEventId ? [{ group: label.groupId, a: grade.value, b: label.value }] : [];
  });
  return paired.length === 0 ? [] : [{ grader: reader, kind: 'reader', ...compareRaters(paired, options) }];
}

function modelAgainstReference(store: Store, projectId: number, reference: readonly CurrentClass[], options: AgreementOptions, notes: string[]): ReferenceAgreement | null {
  const model = store.models.active(projectId);
  if (!model) {
    notes.push('The project has no active model, so no model is compared.');
    return null;
  }
  const predicted = new Map(store.predictions.forModel(model.id).filter(heldOut).map((p) => [p.imageId, p.predicted]));
  const paired = reference.flatMap((label) => {
    const grade = predicted.get(label.imageId);
    return typeof grade === 'number' ? [{ group: label.groupId, a: grade, b: label.value }] : [];
  });
  if (paired.length === 0) {
    notes.push(`The active model ${model.name} has predicted no labelled image it did not train on, so it is not compared.`);
    return null;
  }
  notes.push(`The active model ${model.name} is compared only on labelled images it did not train on (out-of-fold, or not in its training set).`);
  return { grader: model.name, kind: 'model', ...compareRaters(paired, options) };
}

/** Fleiss' κ over the images every reader graded, when there are three readers or more. */
function fleissOf(readers: string[], byReader: ReadonlyMap<string, ReadonlyMap<number, ReaderGrade>>, classCount: number, notes: string[]): FleissAgreement | null {
  if (readers.length < 3) return null;
  const [first, ...others] = readers.map((reader) => byReader.get(reader)!);
  const images = [...first!.values()].filter((grade) => others.every((grades) => grades.has(grade.imageId)));
  if (images.length === 0) {
    notes.push(`No image was graded by all ${readers.length} readers, so there is no Fleiss' κ.`);
    return null;
  }
  const rated = images.map((grade) => ({ group: grade.groupId, ratings: [grade.value, ...others.map((grades) => grades.get(grade.imageId)!.value)] }));
  const kappaOf = (sample: typeof rated) => ({ kappa: fleissKappa(fleissCounts(sample.map((image) => image.ratings), classCount)) });
  const { kappa } = kappaOf(rated);
  const resampled = kappa === null ? null : groupBootstrap(rated, kappaOf).kappa;
  // One point says nothing about the uncertainty (see compareRaters).
  const interval = resampled && resampled.high > resampled.low ? resampled : null;
  return { readers, n: images.length, kappa, interval };
}
