import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classThresholds, confidentJoint } from '../../src/main/ml/triage/confident-learning';
import { entropy, margin } from '../../src/main/ml/evaluate/metrics';
import { triagePosition, triageQueue } from '../../src/main/ml/triage/triage';
import { Store } from '../../src/main/store';
import { REFERABLE_GRADE, taskSpecFor, type LabelValue, type Project, type TaskKind } from '../../src/shared/domain';
import { GradedeskError } from '../../src/shared/errors';
import { defaultTrainOptions, type HeadKind, type Prediction } from '../../src/shared/ml';
import type { TriageOrder } from '../../src/shared/triage';
import { newImage } from '../fixtures/store-rows';

// ---- confident learning, by hand ----

/**
 * Three classes, three images each; the last image labelled 2 is really a class-0 image (its label was
 * flipped). t = (0.8, 0.7, (0.8 + 0.8 + 0.1) / 3 ≈ 0.567).
 */
const HAND_BUILT = {
  probabilities: [
    [0.8, 0.1, 0.1],
    [0.7, 0.2, 0.1],
    [0.9, 0.05, 0.05],
    [0.1, 0.8, 0.1],
    [0.2, 0.7, 0.1],
    [0.1, 0.6, 0.3],
    [0.1, 0.1, 0.8],
    [0.05, 0.15, 0.8],
    [0.85, 0.05, 0.1],
  ],
  labels: [0, 0, 0, 1, 1, 1, 2, 2, 2],
};

describe('confident learning', () => {
  it('sets each class threshold to the mean probability of that class over the images labelled with it', () => {
    const thresholds = classThresholds(HAND_BUILT.probabilities, HAND_BUILT.labels, 3);
    expect(thresholds[0]).toBeCloseTo(0.8, 12);
    expect(thresholds[1]).toBeCloseTo(0.7, 12);
    expect(thresholds[2]).toBeCloseTo(1.7 / 3, 12);
    // A class no image carries has no threshold.
    expect(classThresholds([[0.5, 0.5]], [0], 2)).toEqual([0.5, null]);
  });

  it('finds the flipped label: labelled 2, but as confident of class 0 as class-0 images typically are', () => {
    const { counts, issues } = confidentJoint(HAND_BUILT.probabilities, HAND_BUILT.labels, 3);
    expect(issues).toEqual([{ index: 8, given: 2, likely: 0, selfConfidence: 0.1, likelyProbability: 0.85 }]);
    // Rows: given label; columns: likely class. Images confident of no class (indices 1 and 5) are not counted.
    expect(counts).toEqual([
      [2, 0, 0],
      [0, 2, 0],
      [1, 0, 2],
    ]);
  });

  it('counts an image under the most probable of the classes above threshold, so a confident own label is no issue', () => {
    const thresholds = [0.4, 0.5, 0.35];
    const { issues } = confidentJoint(
      [
        [0.45, 0.0, 0.55], // above t0 and t2, more probable as 2: an issue
        [0.6, 0.0, 0.4], //   above t0 and t2, more probable as 0 (its label): not an issue
        [0.3, 0.3, 0.4], //   only 2 is above threshold: an issue, with lower self-confidence than the first
      ],
      [0, 0, 0],
      3,
      thresholds,
    );
    expect(issues.map((issue) => [issue.index, issue.likely])).toEqual([
      [2, 2],
      [0, 2],
    ]);
  });

  it('ranks by self-confidence and, at equal self-confidence (probability 0 from an ordinal head), the more probable alternative first', () => {
    const probabilities = [
      [0.0, 0.6, 0.4],
      [0.1, 0.9, 0.0],
      [0.0, 0.95, 0.05],
    ];
    const { issues } = confidentJoint(probabilities, [0, 0, 0], 3, [0.5, 0.5, 0.5]);
    expect(issues.map((issue) => issue.index)).toEqual([2, 0, 1]);
  });

  it('never takes a class nobody is labelled with as the likely one', () => {
    const { issues } = confidentJoint([[0.05, 0.95]], [0], 2, [0.5, null]);
    expect(issues).toEqual([]);
  });

  it('finds exactly the labels flipped in a larger noisy set', () => {
    const random = seeded(7);
    const probabilities: number[][] = [];
    const labels: number[] = [];
    for (let n = 0; n < 90; n++) {
      const truth = n % 3;
      const own = 0.55 + 0.4 * random();
      const rest = 1 - own;
      const split = random();
      probabilities.push([0, 1, 2].map((k) => (k === truth ? own : k === (truth + 1) % 3 ? rest * split : rest * (1 - split))));
      labels.push(truth);
    }
    // Flip the label of the first image of each class that the model recognises clearly (p ≥ 0.85).
    const flipped = [0, 1, 2].map((truth) => probabilities.findIndex((p, n) => n % 3 === truth && p[truth]! >= 0.85));
    expect(flipped.every((n) => n >= 0)).toBe(true);
    for (const n of flipped) labels[n] = (labels[n]! + 1) % 3;
    const { issues } = confidentJoint(probabilities, labels, 3);
    expect(issues.map((issue) => issue.index).sort((a, b) => a - b)).toEqual(flipped.sort((a, b) => a - b));
    for (const n of flipped) expect(issues.find((issue) => issue.index === n)!.likely).toBe(n % 3);
  });

  it('refuses arrays that do not fit together', () => {
    expect(() => confidentJoint([[0.5, 0.5]], [0, 1], 2)).toThrow(RangeError);
    expect(() => confidentJoint([[0.5, 0.5]], [2], 2)).toThrow(/not a class/);
    expect(() => confidentJoint([[0.5, 0.5]], [0], 2, [0.5])).toThrow(/thresholds/);
  });
});

// ---- the queue, on the real store ----

let root: string;
let store: Store;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-triage-'));
  store = Store.open(root);
});

afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

interface Predicted {
  probabilities?: number[];
  /** Regression: the regressed grade. */
  value?: number;
  outOfFold?: boolean;
  inTrainingSet?: boolean;
  entropy?: number;
  margin?: number;
}

interface Fixture {
  project: Project;
  modelId: number;
  /** Image ids by name. */
  ids: Record<string, number>;
}

/**
 * A project whose images carry imported labels, and an active model with the given predictions. The
 * training snapshot holds every labelled image whose prediction is in the training set, with its label.
 */
function trainedProject(
  kind: TaskKind,
  head: HeadKind,
  images: Record<string, { label: LabelValue | null; prediction: Predicted | null; ungradable?: boolean }>,
  classes?: string[],
): Fixture {
  const project = store.projects.create(`${kind}-${head}`, taskSpecFor(kind, classes));
  const ids: Record<string, number> = {};
  for (const [name, image] of Object.entries(images)) {
    const id = store.images.insert(newImage(project.id, `${name}.jpeg`));
    ids[name] = id;
    if (image.label !== null) store.labels.record(project.task, { imageId: id, value: image.label, source: 'import', origin: 'labels.csv' });
    if (image.ungradable) store.labels.setUngradable(id, true, reader().id);
  }
  const modelId = store.models.create({
    projectId: project.id,
    name: 'test model',
    taskKind: kind,
    classes: project.task.classes,
    options: { ...defaultTrainOptions(kind), head },
    preprocessing: 'none',
    modelsDir: root,
  });
  const entries = Object.entries(images).filter(([, image]) => image.prediction !== null);
  store.models.saveTrainingImages(
    modelId,
    entries.filter(([, image]) => image.label !== null && (image.prediction!.inTrainingSet ?? true)).map(([name, image]) => ({ imageId: ids[name]!, label: image.label!, fold: 0 })),
  );
  store.predictions.save(entries.map(([name, image]) => prediction(kind, head, modelId, ids[name]!, image.prediction!)));
  store.models.finish(modelId, { status: 'ready' });
  store.models.activate(modelId);
  // Label events after this point must carry a later timestamp than the model's.
  const created = Date.now();
  while (Date.now() <= created) {
    // wait for the clock to move on
  }
  return { project, modelId, ids };
}

function prediction(kind: TaskKind, head: HeadKind, modelId: number, imageId: number, p: Predicted): Prediction {
  const base = { modelId, imageId, outOfFold: p.outOfFold ?? true, inTrainingSet: p.inTrainingSet ?? true };
  if (head === 'regression') {
    const value = p.value!;
    return { ...base, probabilities: null, predicted: Math.max(0, Math.min(4, Math.round(value))), expected: value, referable: null, entropy: null, margin: null };
  }
  const probabilities = p.probabilities!;
  if (kind === 'multilabel') {
    return { ...base, probabilities, predicted: probabilities.flatMap((q, k) => (q >= 0.5 ? [k] : [])), expected: null, referable: null, entropy: null, margin: null };
  }
  return {
    ...base,
    probabilities,
    predicted: probabilities.indexOf(Math.max(...probabilities)),
    expected: probabilities.reduce((sum, q, k) => sum + q * k, 0),
    referable: kind === 'dr-grade' ? probabilities.slice(REFERABLE_GRADE).reduce((a, b) => a + b, 0) : null,
    entropy: p.entropy ?? entropy(probabilities),
    margin: p.margin ?? margin(probabilities),
  };
}

const queue = (fixture: Fixture, order: TriageOrder, options: Parameters<typeof triageQueue>[3] = {}) => triageQueue(store, fixture.project.id, order, options);
const names = (fixture: Fixture, order: TriageOrder, options: Parameters<typeof triageQueue>[3] = {}) => {
  const byId = new Map(Object.entries(fixture.ids).map(([name, id]) => [id, name]));
  return queue(fixture, order, { limit: 1000, ...options }).items.map((item) => byId.get(item.imageId));
};

function refusal(fn: () => unknown): GradedeskError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GradedeskError);
    return error as GradedeskError;
  }
  throw new Error('expected the call to be refused');
}

const reader = () => store.readers.ensure('Dr Okafor');

/** A DR grading project with a softmax model, images a–e and an ungradable one. */
function drProject(): Fixture {
  return trainedProject('dr-grade', 'softmax', {
    a: { label: 0, prediction: { probabilities: [0.7, 0.2, 0.05, 0.03, 0.02] } }, //           P(ref) 0.10
    b: { label: 3, prediction: { probabilities: [0.1, 0.1, 0.3, 0.3, 0.2] } }, //              0.80
    c: { label: 4, prediction: { probabilities: [0.05, 0.05, 0.1, 0.2, 0.6] } }, //            0.90
    d: { label: 0, prediction: { probabilities: [0.3, 0.3, 0.2, 0.1, 0.1] } }, //              0.40
    e: { label: null, prediction: { probabilities: [0.2, 0.2, 0.2, 0.2, 0.2], outOfFold: false, inTrainingSet: false } }, // 0.60
    flagged: { label: 2, prediction: { probabilities: [0, 0, 0, 0, 1] }, ungradable: true },
  });
}

describe('the referable order', () => {
  it('puts the highest P(grade ≥ 2) first, graded or not, and leaves out images marked ungradable', () => {
    const fixture = drProject();
    expect(names(fixture, 'referable')).toEqual(['c', 'b', 'e', 'd', 'a']);
    const page = queue(fixture, 'referable');
    expect(page).toMatchObject({ modelId: fixture.modelId, order: 'referable', reviewed: 0, remaining: 5, total: 5, offset: 0, length: 5 });
    const scores = page.items.map((item) => item.score);
    expect(scores.map((s) => Number(s.toFixed(6)))).toEqual([0.9, 0.8, 0.6, 0.4, 0.1]);
    expect(page.items[0]).toMatchObject({ fileName: 'c.jpeg', label: 4, predicted: 4, reviewed: false });
    expect(page.items[0]!.referable).toBeCloseTo(0.9, 6);
    expect(page.items[0]!.reason).toBe('Probability of referable DR (grade 2 or worse) 0.90; expected grade 3.3.');
  });

  it('pages through the queue', () => {
    const fixture = drProject();
    expect(queue(fixture, 'referable', { offset: 1, limit: 2 }).items.map((item) => item.fileName)).toEqual(['b.jpeg', 'e.jpeg']);
    expect(queue(fixture, 'referable', { offset: 5 }).items).toEqual([]);
    expect(refusal(() => queue(fixture, 'referable', { offset: -1 })).message).toMatch(/offset must be a whole number/);
  });

  it('is refused for other tasks and for a regression head, saying why', () => {
    const skin = trainedProject('multiclass', 'softmax', { x: { label: 0, prediction: { probabilities: [0.5, 0.5] } } }, ['nv', 'mel']);
    expect(refusal(() => queue(skin, 'referable')).message).toMatch(/referable order is for DR grading/);
    const regression = trainedProject('dr-grade', 'regression', { x: { label: 1, prediction: { value: 1.2 } } });
    expect(refusal(() => queue(regression, 'referable')).message).toMatch(/not a probability/);
  });

  it('needs an active model', () => {
    const project = store.projects.create('Empty', taskSpecFor('dr-grade'));
    const error = refusal(() => triageQueue(store, project.id, 'referable'));
    expect(error.code).toBe('not-found');
    expect(error.message).toMatch(/Empty has no active model yet/);
  });
});

describe('the uncertainty order', () => {
  it('puts the highest normalised entropy first and, at equal entropy, the smaller margin', () => {
    const fixture = trainedProject('dr-grade', 'ordinal', {
      wide: { label: 1, prediction: { probabilities: [0.25, 0.35, 0.2, 0.1, 0.1], entropy: 0.9, margin: 0.3 } },
      close: { label: 1, prediction: { probabilities: [0.3, 0.31, 0.2, 0.1, 0.09], entropy: 0.9, margin: 0.01 } },
      sure: { label: 0, prediction: { probabilities: [0.9, 0.05, 0.03, 0.01, 0.01], entropy: 0.2, margin: 0.85 } },
      middling: { label: null, prediction: { probabilities: [0.6, 0.3, 0.05, 0.03, 0.02], entropy: 0.5, margin: 0.3 } },
    });
    expect(names(fixture, 'uncertainty')).toEqual(['close', 'wide', 'middling', 'sure']);
    expect(queue(fixture, 'uncertainty').items[0]!.reason).toBe('Entropy 0.90, margin 0.01: grade 1 at P 0.31, grade 0 at P 0.30.');
  });

  it('is refused for a regression head, which has no probabilities', () => {
    const regression = trainedProject('dr-grade', 'regression', { x: { label: 1, prediction: { value: 1.2 } } });
    expect(refusal(() => queue(regression, 'uncertainty')).message).toMatch(/without class probabilities/);
  });
});

describe('the disagreement order', () => {
  it('orders graded images by how many grades the model’s grade is from the reader’s, then by the expected grade’s distance', () => {
    const fixture = drProject();
    // Model grades (argmax): a 0, b 2, c 4, d 0; expected: a 0.47, b 2.4, c 3.25, d 1.4; e is unlabelled.
    expect(names(fixture, 'disagreement')).toEqual(['b', 'd', 'c', 'a']);
    const items = queue(fixture, 'disagreement').items;
    expect(items.map((item) => item.score)).toEqual([1, 0, 0, 0]);
    expect(items[0]!.reason).toBe('Reader: grade 3; the model says grade 2 (expected grade 2.4), 1 grade apart.');
    expect(items.map((item) => item.disagrees)).toEqual([true, false, false, false]);
  });

  it('does not call a reader’s 4 beside a model’s 4 a disagreement, whatever the expected grade', () => {
    const fixture = drProject();
    const c = queue(fixture, 'disagreement').items.find((item) => item.fileName === 'c.jpeg')!;
    expect(c).toMatchObject({ label: 4, predicted: 4, score: 0, disagrees: false });
    expect(c.reason).toBe('Reader and model agree: grade 4 (expected grade 3.3).');
  });

  it('uses the regressed grade of a regression head', () => {
    const fixture = trainedProject('dr-grade', 'regression', {
      near: { label: 2, prediction: { value: 2.3 } },
      far: { label: 0, prediction: { value: 3.1 } },
    });
    expect(names(fixture, 'disagreement')).toEqual(['far', 'near']);
    expect(queue(fixture, 'disagreement').items[0]!.reason).toBe('Reader: grade 0; the model says grade 3 (regressed grade 3.1), 3 grades apart.');
  });

  it('marks the eyes the model refers at its saved referral threshold, 0.5 until one is saved', () => {
    const fixture = drProject();
    const referred = () => Object.fromEntries(queue(fixture, 'referable').items.map((item) => [item.fileName, item.referred]));
    // P(referable): c 0.90, b 0.80, e 0.60, d 0.40, a 0.10.
    expect(referred()).toEqual({ 'c.jpeg': true, 'b.jpeg': true, 'e.jpeg': true, 'd.jpeg': false, 'a.jpeg': false });
    store.models.setReferralThreshold(fixture.modelId, 0.35);
    expect(referred()).toEqual({ 'c.jpeg': true, 'b.jpeg': true, 'e.jpeg': true, 'd.jpeg': true, 'a.jpeg': false });
    expect(queue(fixture, 'referable').referralThreshold).toBe(0.35);
  });

  it('marks rows where reader and model differ in every order', () => {
    const fixture = drProject();
    const byName = Object.fromEntries(queue(fixture, 'referable').items.map((item) => [item.fileName, item.disagrees]));
    expect(byName).toEqual({ 'a.jpeg': false, 'b.jpeg': true, 'c.jpeg': false, 'd.jpeg': false, 'e.jpeg': false });
  });
});

describe('the top-loss order', () => {
  it('ranks −log P(reader label), only for predictions from a model that did not train on the image', () => {
    const fixture = trainedProject('dr-grade', 'softmax', {
      outOfFold: { label: 0, prediction: { probabilities: [0.05, 0.05, 0.1, 0.2, 0.6] } },
      gradedLater: { label: 1, prediction: { probabilities: [0.6, 0.2, 0.1, 0.05, 0.05], outOfFold: false, inTrainingSet: false } },
      agreed: { label: 2, prediction: { probabilities: [0.1, 0.1, 0.5, 0.2, 0.1] } },
      // The hold-out plan's training side: the model learned this label, so its loss says little.
      inSample: { label: 0, prediction: { probabilities: [0.01, 0.01, 0.01, 0.01, 0.96], outOfFold: false, inTrainingSet: true } },
      unlabelled: { label: null, prediction: { probabilities: [0.2, 0.2, 0.2, 0.2, 0.2] } },
    });
    expect(names(fixture, 'top-loss')).toEqual(['outOfFold', 'gradedLater', 'agreed']);
    const items = queue(fixture, 'top-loss').items;
    expect(items.map((item) => item.score)).toEqual([-Math.log(0.05), -Math.log(0.2), -Math.log(0.5)].map((v) => expect.closeTo(v, 6)));
    expect(items[0]!.reason).toBe("The model gives the reader's grade 0 a chance of 0.05 and prefers grade 4 (0.60; surprise 3.00).");
  });

  it('is the squared error for a regression head', () => {
    const fixture = trainedProject('dr-grade', 'regression', {
      near: { label: 2, prediction: { value: 2.5 } },
      far: { label: 0, prediction: { value: 2 } },
    });
    const items = queue(fixture, 'top-loss').items;
    expect(items.map((item) => [item.fileName, item.score])).toEqual([['far.jpeg', 4], ['near.jpeg', 0.25]]);
  });
});

describe('the label-errors order', () => {
  function skinProject(): Fixture {
    const images: Parameters<typeof trainedProject>[2] = {};
    HAND_BUILT.probabilities.forEach((probabilities, n) => (images[`i${n}`] = { label: HAND_BUILT.labels[n]!, prediction: { probabilities } }));
    // A second doubtful label, less doubtful than i8: labelled 0 but as confident of class 1 as class-1 images are.
    images.doubt = { label: 0, prediction: { probabilities: [0.25, 0.72, 0.03] } };
    return trainedProject('multiclass', 'softmax', images, ['nv', 'mel', 'bcc']);
  }

  it('lists the confident-learning candidates, the flipped label first', () => {
    const fixture = skinProject();
    expect(names(fixture, 'label-errors')).toEqual(['i8', 'doubt']);
    const page = queue(fixture, 'label-errors');
    expect(page.total).toBe(2);
    // Doubt, 1 − P(label): 1 − P(bcc) for i8, then 1 − P(nv) for the other.
    expect(page.items.map((item) => item.score)).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0.75, 6)]);
    expect(page.items[0]!.reason).toMatch(/^Labelled bcc \(P 0\.10\), but the model gives nv P 0\.85, at least the 0\.\d\d it typically gives images labelled nv\.$/);
  });

  it('keeps the thresholds of the labels the model was trained with while a reader corrects labels', () => {
    const fixture = skinProject();
    const before = queue(fixture, 'label-errors').items.find((item) => item.fileName === 'doubt.jpeg')!;
    store.labels.record(fixture.project.task, { imageId: fixture.ids.i8!, value: 0, source: 'reader', readerId: reader().id });
    const after = queue(fixture, 'label-errors', { includeReviewed: true });
    // The corrected label agrees with the model now, so the image is no candidate any more.
    expect(after.items.map((item) => item.fileName)).toEqual(['doubt.jpeg']);
    expect(after.items[0]).toEqual(before);
  });

  it('judges each label of a multilabel image as its own yes/no question', () => {
    const images: Parameters<typeof trainedProject>[2] = {};
    const random = seeded(3);
    for (let n = 0; n < 12; n++) {
      const label = n % 2 ? [0] : [0, 1];
      images[`ok${n}`] = { label, prediction: { probabilities: [0.8 + 0.15 * random(), label.includes(1) ? 0.75 + 0.2 * random() : 0.05 + 0.1 * random(), 0.05] } };
    }
    images.missing = { label: [0], prediction: { probabilities: [0.9, 0.97, 0.05] } }; // label 1 absent, model sure it is there
    images.spurious = { label: [0, 1], prediction: { probabilities: [0.9, 0.02, 0.05] } }; // label 1 given, model sure it is not
    const fixture = trainedProject('multilabel', 'multilabel', images, ['Nucleoplasm', 'Cytosol', 'Actin filaments']);
    const items = queue(fixture, 'label-errors').items;
    expect(items.map((item) => item.fileName).slice(0, 2)).toEqual(['spurious.jpeg', 'missing.jpeg']);
    expect(items[0]!.reason).toMatch(/^Labelled Cytosol, but the model gives it only P 0\.02/);
    expect(items[1]!.reason).toMatch(/^Not labelled Cytosol, but the model gives it P 0\.97/);

    expect(names(fixture, 'top-loss').slice(0, 2)).toEqual(['spurious', 'missing']);
    expect(queue(fixture, 'uncertainty').items[0]!.reason).toMatch(/^Least certain label: /);
  });

  it('is refused for a regression head', () => {
    const regression = trainedProject('dr-grade', 'regression', { x: { label: 1, prediction: { value: 1.2 } } });
    expect(refusal(() => queue(regression, 'label-errors')).message).toMatch(/Confident learning needs class probabilities/);
  });
});

describe('reviewed and remaining', () => {
  it('counts an image as reviewed once a reader grades it after the model was made, and leaves it out of the queue', () => {
    const fixture = drProject();
    store.labels.record(fixture.project.task, { imageId: fixture.ids.b!, value: 2, source: 'reader', readerId: reader().id });
    expect(queue(fixture, 'referable')).toMatchObject({ reviewed: 1, remaining: 4, total: 5, length: 4 });
    expect(names(fixture, 'referable')).toEqual(['c', 'e', 'd', 'a']);
    const all = queue(fixture, 'referable', { includeReviewed: true });
    expect(all.length).toBe(5);
    expect(all.items.map((item) => item.reviewed)).toEqual([false, true, false, false, false]);
    expect(all.items[1]!.label).toBe(2);
  });

  it('counts an accepted model label, but not an import or a grade given before the model', () => {
    const project = store.projects.create('Before', taskSpecFor('dr-grade'));
    const early = store.images.insert(newImage(project.id, 'early.jpeg'));
    store.labels.record(project.task, { imageId: early, value: 1, source: 'reader', readerId: reader().id });
    const fixture = trainedProject('dr-grade', 'softmax', {
      accepted: { label: null, prediction: { probabilities: [0.1, 0.1, 0.1, 0.1, 0.6] } },
      imported: { label: null, prediction: { probabilities: [0.6, 0.1, 0.1, 0.1, 0.1] } },
    });
    store.labels.record(fixture.project.task, { imageId: fixture.ids.accepted!, value: 4, source: 'model-accepted', origin: `model ${fixture.modelId}` });
    store.labels.record(fixture.project.task, { imageId: fixture.ids.imported!, value: 0, source: 'import', origin: 'labels.csv' });
    expect(queue(fixture, 'referable')).toMatchObject({ reviewed: 1, remaining: 1, total: 2 });
    expect(queue(fixture, 'referable').items.map((item) => item.fileName)).toEqual(['imported.jpeg']);
  });

  it('puts an image back in the queue when its grade is undone', () => {
    const fixture = drProject();
    const event = store.labels.record(fixture.project.task, { imageId: fixture.ids.c!, value: 4, source: 'reader', readerId: reader().id })!;
    expect(queue(fixture, 'referable').reviewed).toBe(1);
    store.labels.undo(fixture.project.task, event.id, reader().id);
    expect(queue(fixture, 'referable')).toMatchObject({ reviewed: 0, remaining: 5 });
    expect(names(fixture, 'referable')[0]).toBe('c');
  });

  it('moves Review through the remaining images, and still places a reviewed one when they are included', () => {
    const fixture = drProject();
    store.labels.record(fixture.project.task, { imageId: fixture.ids.b!, value: 3, source: 'reader', readerId: reader().id });
    const { ids } = fixture;
    expect(triagePosition(store, fixture.project.id, 'referable', ids.c!)).toEqual({
      index: 0,
      total: 4,
      previousId: null,
      nextId: ids.e,
      order: 'referable',
      modelId: fixture.modelId,
      counts: { reviewed: 1, remaining: 4, total: 5 },
    });
    expect(triagePosition(store, fixture.project.id, 'referable', ids.b!)).toMatchObject({ index: -1, previousId: null, nextId: null });
    expect(triagePosition(store, fixture.project.id, 'referable', ids.b!, { includeReviewed: true })).toMatchObject({ index: 1, total: 5, previousId: ids.c, nextId: ids.e });
  });
});

describe('a queue kept between calls', () => {
  it('shows a grade given since (label and reviewed), and drops an image marked ungradable since', () => {
    const fixture = drProject();
    expect(names(fixture, 'referable')).toEqual(['c', 'b', 'e', 'd', 'a']);
    store.labels.record(fixture.project.task, { imageId: fixture.ids.e!, value: 3, source: 'reader', readerId: reader().id });
    const all = queue(fixture, 'referable', { includeReviewed: true });
    expect(all.items[2]).toMatchObject({ fileName: 'e.jpeg', label: 3, reviewed: true });
    store.labels.setUngradable(fixture.ids.b!, true, reader().id);
    expect(names(fixture, 'referable', { includeReviewed: true })).toEqual(['c', 'e', 'd', 'a']);
    expect(queue(fixture, 'referable')).toMatchObject({ reviewed: 1, remaining: 3, total: 4 });
  });

  it('re-ranks the orders that read the label after a grade, and every order after new predictions', () => {
    const fixture = drProject();
    expect(names(fixture, 'disagreement')).toEqual(['b', 'd', 'c', 'a']);
    // Grade 4 for a (model grade 0) makes it the largest disagreement.
    store.labels.record(fixture.project.task, { imageId: fixture.ids.a!, value: 4, source: 'reader', readerId: reader().id });
    expect(names(fixture, 'disagreement', { includeReviewed: true })).toEqual(['a', 'b', 'd', 'c']);
    expect(queue(fixture, 'disagreement', { includeReviewed: true }).items[0]!.score).toBe(4);

    expect(names(fixture, 'referable')[0]).toBe('c');
    store.predictions.save([prediction('dr-grade', 'softmax', fixture.modelId, fixture.ids.b!, { probabilities: [0, 0, 0, 0, 1] })]);
    expect(names(fixture, 'referable')[0]).toBe('b');
  });
});

/** A small deterministic generator in [0, 1), so the noisy examples are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
