import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agreementSummary, summariseAgreement } from '../../src/main/ml/evaluate/agreement-summary';
import { Store } from '../../src/main/store';
import { HAM10000_CLASSES, taskSpecFor, type Project, type TaskKind } from '../../src/shared/domain';
import { defaultTrainOptions, type Prediction } from '../../src/shared/ml';
import { newImage } from '../fixtures/store-rows';

// Which grades agreement compares, read from the real store on a real SQLite file.

let root: string;
let store: Store;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-agreement-'));
  store = Store.open(root);
});

afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

function projectWithImages(kind: TaskKind, count: number, classes?: readonly string[]): { project: Project; ids: number[] } {
  const project = store.projects.create(`${kind} project`, taskSpecFor(kind, classes ? [...classes] : undefined));
  const ids = Array.from({ length: count }, (_, i) => store.images.insert(newImage(project.id, `img${i + 1}.jpeg`)));
  return { project, ids };
}

const grade = (project: Project, imageId: number, readerId: number, value: number | null) =>
  store.labels.record(project.task, { imageId, value, source: 'reader', readerId })!;

describe("each reader's standing grade", () => {
  it('is the latest grade the reader gave that still stands, through undos and undos of undos', () => {
    const { project, ids } = projectWithImages('dr-grade', 4, undefined);
    const [ann, ben] = [store.readers.ensure('Ann'), store.readers.ensure('Ben')];
    const [one, two, three, four] = ids as [number, number, number, number];
    store.labels.record(project.task, { imageId: one, value: 4, source: 'import', origin: 'labels.csv' });
    grade(project, one, ann.id, 2);
    const slip = grade(project, one, ann.id, 3);
    store.labels.undo(project.task, slip.id, ann.id); // Ann's grade of image 1 is 2 again.
    const kept = grade(project, two, ben.id, 1);
    const undo = store.labels.undo(project.task, kept.id, ben.id);
    store.labels.undo(project.task, undo.id, ben.id); // The undo undone: Ben's 1 stands.
    grade(project, three, ben.id, 2);
    grade(project, three, ben.id, null); // Ben cleared his grade: none.
    const gone = grade(project, four, ann.id, 1);
    store.labels.undo(project.task, gone.id, ben.id); // Undone, by whoever: none.

    expect(store.labels.gradesByReader(project.id).map((g) => [g.imageId, g.readerName, g.value])).toEqual([
      [one, 'Ann', 2],
      [two, 'Ben', 1],
    ]);
    // The current label of image 2 is Ben's restored grade, and comes from his event.
    const current = store.labels.currentClasses(project.id);
    expect(current.find((c) => c.imageId === two)).toMatchObject({ value: 1, fromEventId: kept.id });
    expect(current.find((c) => c.imageId === one)).toMatchObject({ value: 2 });
  });
});

describe('agreement summary', () => {
  it('compares the active model only on labelled images it did not train on', () => {
    const { project, ids } = projectWithImages('dr-grade', 6);
    const reference = [0, 1, 2, 3, 4, 2];
    ids.forEach((imageId, i) => store.labels.record(project.task, { imageId, value: reference[i]!, source: 'import', origin: 'labels.csv' }));
    const modelId = store.models.create({
      projectId: project.id,
      name: 'model A',
      taskKind: 'dr-grade',
      classes: project.task.classes,
      options: defaultTrainOptions('dr-grade'),
      preprocessing: 'none',
      modelsDir: root,
    });
    const predicted = (imageId: number, grade: number, outOfFold: boolean, inTrainingSet: boolean): Prediction => ({
      modelId, imageId, probabilities: null, predicted: grade, expected: grade, referable: null, entropy: null, margin: null, outOfFold, inTrainingSet,
    });
    store.predictions.save([
      predicted(ids[0]!, 0, true, true),
      predicted(ids[1]!, 2, true, true),
      predicted(ids[2]!, 2, false, false), // never in its training set: held out
      predicted(ids[3]!, 3, false, false),
      predicted(ids[4]!, 4, false, true), // trained on and predicted by the final model: left out
      predicted(ids[5]!, 0, false, true),
    ]);
    store.models.finish(modelId, { status: 'ready' });
    store.models.activate(modelId);

    const summary = agreementSummary(store, project.id);
    expect(summary.readers).toEqual([]);
    expect(summary.notes.join(' ')).toMatch(/nothing to compare/);
    const [model] = summary.againstReference;
    // Model 0, 2, 2, 3 against 0, 1, 2, 3: three of four agree; referable by the reference on images 3 and 4, both called.
    expect(model).toMatchObject({ grader: 'model A', kind: 'model', n: 4, percentAgreement: 0.75, sensitivity: 1, specificity: 0.5 });
    expect(summary.notes.join(' ')).toMatch(/model A is compared only on labelled images it did not train on/);
    // The two images it trained on without an out-of-fold prediction are counted and said, not shown.
    expect(summary.model).toEqual({ name: 'model A', compared: 4, trainedOnWithoutOutOfFold: 2, acceptedSuggestions: 0 });
    expect(summary.notes.join(' ')).toMatch(/trained on 2 labelled image\(s\) without an out-of-fold prediction: its agreement there is not shown/);
    // Its row is dated by the final labels' week.
    expect(model!.overTime.reduce((n, week) => n + week.n, 0)).toBe(4);

    // A reader accepts the model's suggestion on image 3: the model is no longer compared there, and it is said.
    const ann = store.readers.ensure('Ann');
    store.labels.record(project.task, { imageId: ids[2]!, value: 2, source: 'model-accepted', readerId: ann.id, origin: 'model A' });
    const accepted = agreementSummary(store, project.id);
    expect(accepted.model).toEqual({ name: 'model A', compared: 3, trainedOnWithoutOutOfFold: 2, acceptedSuggestions: 1 });
    expect(accepted.notes.join(' ')).toMatch(/1 final label\(s\) are accepted suggestions/);
  });

  it('takes the final labels as input, so adjudicated labels replace the current ones without touching the statistics', () => {
    const { project, ids } = projectWithImages('dr-grade', 4);
    const [ann, ben] = [store.readers.ensure('Ann'), store.readers.ensure('Ben')];
    ids.forEach((imageId, i) => [grade(project, imageId, ann.id, i), grade(project, imageId, ben.id, i)]);
    const grades = store.labels.gradesByReader(project.id);
    // Every current label is Ben's grade, so only Ann is compared with it; adjudicated labels (here all grade 0)
    // belong to neither reader, so both are compared with them.
    const adjudicated = ids.map((imageId, i) => ({ imageId, groupId: `p${i}`, value: 0, fromEventId: -1 - i, source: 'adjudication' as const, labelledAt: '2026-12-02T12:00:00.000Z' }));
    const summary = summariseAgreement({ projectId: project.id, task: project.task, grades, finalLabels: adjudicated, model: null });
    expect(summary.againstReference.map((r) => [r.grader, r.n, r.percentAgreement])).toEqual([['Ann', 4, 0.25], ['Ben', 4, 0.25]]);
    // Grades 0–3 against 0, 0, 0, 0: referable by neither final label, so no sensitivity; specificity 2 of 4.
    expect(summary.againstReference[0]).toMatchObject({ sensitivity: null, specificity: 0.5 });
    expect(summary.model).toBeNull();
    expect(agreementSummary(store, project.id).againstReference.map((r) => r.grader)).toEqual(['Ann']);
  });

  it('gives multiclass projects no quadratic κ nor referable rates, and refuses multilabel ones in words', () => {
    const { project, ids } = projectWithImages('multiclass', 3, HAM10000_CLASSES);
    const [ann, ben] = [store.readers.ensure('Ann'), store.readers.ensure('Ben')];
    ids.forEach((imageId, i) => [grade(project, imageId, ann.id, i), grade(project, imageId, ben.id, i === 2 ? 0 : i)]);
    const [pair] = agreementSummary(store, project.id).pairs;
    expect(pair).toMatchObject({ readers: ['Ann', 'Ben'], n: 3, quadraticKappa: null });
    // Ann 0, 1, 2 and Ben 0, 1, 0: p_o 2/3, p_e (1·2 + 1·1 + 1·0)/9 = 1/3, κ = (2/3 − 1/3)/(2/3) = 0.5.
    expect(pair!.kappa).toBeCloseTo(0.5, 12);
    expect(agreementSummary(store, project.id).againstReference[0]).toMatchObject({ grader: 'Ann', sensitivity: null, specificity: null });

    const cells = projectWithImages('multilabel', 1, ['nucleus', 'membrane']);
    expect(() => agreementSummary(store, cells.project.id)).toThrow(/multilabel project has no agreement figures yet/);
  });
});

describe('who has called which image under a double protocol', () => {
  it("is read by the work queue's lean query exactly as graderCalls reads it: undone grades and lifted flags do not count, notes alone do not", () => {
    const { project, ids } = projectWithImages('dr-grade', 5, undefined);
    store.protocols.set(project.id, { kind: 'double-blind', graders: 2, refer: [], policy: 'majority', queueOrder: 'file' });
    const [ann, ben] = [store.readers.ensure('Ann'), store.readers.ensure('Ben')];
    const [one, two, three, four, five] = ids as [number, number, number, number, number];
    const blind = (imageId: number, readerId: number, value: number) => store.labels.record(project.task, { imageId, value, source: 'reader', readerId, blind: true })!;
    blind(one, ann.id, 2);
    blind(one, ben.id, 3);
    const undone = blind(two, ann.id, 1);
    store.labels.undo(project.task, undone.id, ann.id);
    store.labels.setUngradable(three, true, ben.id);
    store.labels.setUngradable(four, true, ann.id);
    store.labels.setUngradable(four, false, ann.id);
    store.labels.setNote(five, 'blurred', ben.id);
    blind(five, ann.id, 0);

    const fromCalls = new Map<number, Set<number>>();
    for (const call of store.protocols.graderCalls(project.id)) fromCalls.set(call.imageId, (fromCalls.get(call.imageId) ?? new Set()).add(call.readerId));
    expect(store.protocols.callersByImage(project.id)).toEqual(fromCalls);
    expect(fromCalls).toEqual(new Map([[one, new Set([ann.id, ben.id])], [three, new Set([ben.id])], [five, new Set([ann.id])]]));
  });
});
