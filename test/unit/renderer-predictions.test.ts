import { describe, expect, it } from 'vitest';
import { HAM10000_CLASSES, HPA_LABELS, taskSpecFor, type LabelEvent, type LabelValue } from '../../src/shared/domain';
import { labelBadge, predictionBadge } from '../../src/renderer/src/lib/library/badges';
import { predictedSortName, predictionControls, REFERABLE_CHOICES, referableChoices, referableChoiceText } from '../../src/renderer/src/lib/library/prediction-controls';
import {
  certaintyOf,
  formatGrade,
  formatPercent,
  formatProbability,
  labelledAt,
  predictedText,
  referableBand,
  trainingRelation,
  uncertaintyText,
} from '../../src/renderer/src/lib/predictions/format';
import { changesPredictions } from '../../src/renderer/src/lib/predictions/refresh';

const drGrade = taskSpecFor('dr-grade');
const dermoscopy = taskSpecFor('multiclass', HAM10000_CLASSES);
const microscopy = taskSpecFor('multilabel', HPA_LABELS);

describe('P(referable) colour scale', () => {
  it('is green below 0.25, amber from 0.25 and red from 0.75', () => {
    expect(referableBand(0)).toBe('low');
    expect(referableBand(0.2499)).toBe('low');
    expect(referableBand(0.25)).toBe('middle');
    expect(referableBand(0.5)).toBe('middle');
    expect(referableBand(0.7499)).toBe('middle');
    expect(referableBand(0.75)).toBe('high');
    expect(referableBand(1)).toBe('high');
  });

  it('has no band without a probability (regression, or not a DR project)', () => {
    expect(referableBand(null)).toBeNull();
    expect(referableBand(Number.NaN)).toBeNull();
  });
});

describe('probabilities on screen', () => {
  it('rounds to whole percentages', () => {
    expect(formatPercent(0.42)).toBe('42%');
    expect(formatPercent(0.126)).toBe('13%');
    expect(formatPercent(0.5)).toBe('50%');
  });

  it('never shows 100% or 0%', () => {
    expect(formatPercent(1)).toBe('> 99%');
    expect(formatPercent(0.995)).toBe('> 99%');
    expect(formatPercent(0.9949)).toBe('99%');
    expect(formatPercent(0)).toBe('< 1%');
    expect(formatPercent(0.004)).toBe('< 1%');
    expect(formatPercent(0.006)).toBe('1%');
  });

  it('gives P(referable) two decimals, and never 1.00 or 0.00', () => {
    expect(formatProbability(0.8213)).toBe('0.82');
    expect(formatProbability(0.5)).toBe('0.50');
    expect(formatProbability(0.999)).toBe('> 0.99');
    expect(formatProbability(1)).toBe('> 0.99');
    expect(formatProbability(0.001)).toBe('< 0.01');
  });

  it('gives expected grades one decimal', () => {
    expect(formatGrade(2.94)).toBe('2.9');
    expect(formatGrade(3)).toBe('3.0');
    expect(formatGrade(0.05)).toBe('0.1');
  });
});

describe('predicted value in words', () => {
  it('names a DR grade by number and name', () => {
    expect(predictedText(drGrade, 3)).toBe('grade 3 (Severe NPDR)');
  });

  it('names a class by its name', () => {
    expect(predictedText(dermoscopy, 4)).toBe('mel');
  });

  it('lists predicted labels, or says there are none', () => {
    expect(predictedText(microscopy, [0, 25])).toBe('labels Nucleoplasm, Cytosol');
    expect(predictedText(microscopy, [2])).toBe('label Nucleoli');
    expect(predictedText(microscopy, [])).toBe('no label');
  });
});

describe('uncertainty in words', () => {
  it('calls a margin under 0.2 uncertain', () => {
    expect(certaintyOf(null, 0.12)).toBe('uncertain');
    expect(certaintyOf(null, 0.2)).toBe('moderate');
    expect(certaintyOf(null, 0.49)).toBe('moderate');
    expect(certaintyOf(null, 0.5)).toBe('confident');
  });

  it('reads spread-out probability (high entropy) as uncertain even with a clear top class', () => {
    expect(certaintyOf(0.1, 0.8)).toBe('confident');
    expect(certaintyOf(0.6, 0.8)).toBe('moderate');
    expect(certaintyOf(0.8, 0.6)).toBe('uncertain');
  });

  it('has nothing to say without either measure', () => {
    expect(certaintyOf(null, null)).toBeNull();
    expect(uncertaintyText(drGrade, null, null)).toBeNull();
  });

  it('explains why, with the numbers', () => {
    expect(uncertaintyText(drGrade, 0.4, 0.12)).toBe('Uncertain: the top two grades are close (margin 0.12, entropy 0.40)');
    expect(uncertaintyText(dermoscopy, 0.8, 0.3)).toBe('Uncertain: the probability is spread over several classes (margin 0.30, entropy 0.80)');
    expect(uncertaintyText(microscopy, null, 0.05)).toBe('Uncertain: the top two labels are close (margin 0.05)');
    expect(uncertaintyText(drGrade, 0.55, 0.6)).toBe('Somewhat uncertain (margin 0.60, entropy 0.55)');
  });

  it('never calls the model certain', () => {
    const confident = uncertaintyText(drGrade, 0.001, 0.998)!;
    expect(confident).toMatch(/^Fairly confident/);
    expect(confident).not.toMatch(/\bcertain\b/i);
    expect(confident).toBe('Fairly confident, by its own estimate (margin > 0.99, entropy < 0.01)');
  });
});

function event(createdAt: string, value: LabelValue | null): LabelEvent {
  return { id: 1, imageId: 1, kind: 'label', readerName: 'ana', origin: null, value, previousValue: null, source: 'reader', note: null, createdAt, undoOf: null, restored: null };
}

describe('was the image in the training set', () => {
  const trainedAt = '2025-03-01T12:00:00.000Z';

  it('is no when the image had no label event before training', () => {
    expect(labelledAt([], trainedAt)).toBe(false);
    expect(labelledAt([event('2025-03-02T09:00:00.000Z', 2)], trainedAt)).toBe(false);
  });

  it('follows the last label event at or before training', () => {
    expect(labelledAt([event('2025-02-01T09:00:00.000Z', 2)], trainedAt)).toBe(true);
    expect(labelledAt([event(trainedAt, 2)], trainedAt)).toBe(true);
    const undoneBefore = [event('2025-02-01T09:00:00.000Z', 2), event('2025-02-02T09:00:00.000Z', null)];
    expect(labelledAt(undoneBefore, trainedAt)).toBe(false);
    const undoneAfter = [event('2025-02-01T09:00:00.000Z', 2), event('2025-03-05T09:00:00.000Z', null)];
    expect(labelledAt(undoneAfter, trainedAt)).toBe(true);
  });

  it('does not depend on the order of the events', () => {
    const newestFirst = [event('2025-02-02T09:00:00.000Z', null), event('2025-02-01T09:00:00.000Z', 2)];
    expect(labelledAt(newestFirst, trainedAt)).toBe(false);
  });

  it('does not know when a time cannot be read', () => {
    expect(labelledAt([], 'not a time')).toBeNull();
    expect(labelledAt([event('garbage', 1)], trainedAt)).toBeNull();
  });

  it('says out-of-fold plainly', () => {
    expect(trainingRelation(true, true)).toBe('Out-of-fold (model did not train on this image).');
  });

  it('says honestly when the model probably trained on the image', () => {
    expect(trainingRelation(false, true)).toMatch(/^In the training set/);
    expect(trainingRelation(false, false)).toMatch(/^Not in the training set/);
    expect(trainingRelation(false, null)).toMatch(/may have trained on this image/);
  });
});

describe('prediction badge on a grid cell', () => {
  it('shows the predicted grade with P(referable) and the expected grade in its tooltip', () => {
    const badge = predictionBadge(drGrade, { predicted: 3, referable: 0.82, expected: 2.94 });
    expect(badge.text).toBe('3');
    expect(badge.title).toBe('Model: grade 3 · P(referable) 0.82 · expected 2.9');
    // Coloured by its grade, like the reader's badge, not by P(referable).
    expect(badge.grade).toBe(3);
  });

  it('has an accessible name that says it is the model’s, unlike the reader’s label badge', () => {
    const badge = predictionBadge(drGrade, { predicted: 1, referable: 0.1, expected: 0.8 });
    expect(badge.label).toBe('Model prediction: grade 1 (Mild NPDR), P(referable) 0.10, expected grade 0.8');
    expect(badge.grade).toBe(1);
    expect(labelBadge(drGrade, 1)!.title).not.toMatch(/model/i);
  });

  it('takes its grade colour for a DR regression model too, which gives no probability', () => {
    const badge = predictionBadge(drGrade, { predicted: 2, referable: null, expected: 2.3 });
    expect(badge.grade).toBe(2);
    expect(badge.title).toBe('Model: grade 2 · expected 2.3');
  });

  it('shows the class name, neutral, without an expected class index, for multiclass', () => {
    const badge = predictionBadge(dermoscopy, { predicted: 4, referable: 0.9, expected: 3.7 });
    expect(badge.text).toBe('mel');
    expect(badge.title).toBe('Model: mel');
    expect(badge.grade).toBeNull();
  });

  it('shows predicted labels while they fit, otherwise their count', () => {
    expect(predictionBadge(microscopy, { predicted: [0], referable: null, expected: null }).text).toBe('Nucleoplasm');
    const many = predictionBadge(microscopy, { predicted: [0, 2, 25], referable: null, expected: null });
    expect(many.text).toBe('3 labels');
    expect(many.title).toBe('Model: labels Nucleoplasm, Nucleoli, Cytosol');
    expect(predictionBadge(microscopy, { predicted: [], referable: null, expected: null }).text).toBe('none');
  });
});

describe('prediction filters and sorts in the Library', () => {
  const ordinal = { head: 'ordinal' as const, referralThreshold: null };

  it('are hidden without an active model, or while the models are being listed', () => {
    expect(predictionControls(drGrade, null, {}, 'name')).toBeNull();
    expect(predictionControls(drGrade, undefined, { label: 2 }, 'label')).toBeNull();
  });

  it('offer P(referable) only for DR models that give a probability', () => {
    expect(predictionControls(drGrade, ordinal, {}, 'name')).toEqual({ referable: true, referralThreshold: null });
    expect(predictionControls(drGrade, { head: 'softmax', referralThreshold: null }, {}, 'name')).toEqual({ referable: true, referralThreshold: null });
    expect(predictionControls(drGrade, { head: 'regression', referralThreshold: null }, {}, 'name')).toEqual({ referable: false, referralThreshold: null });
    expect(predictionControls(dermoscopy, { head: 'softmax', referralThreshold: null }, {}, 'name')).toEqual({ referable: false, referralThreshold: null });
    expect(predictionControls(microscopy, { head: 'multilabel', referralThreshold: null }, {}, 'name')).toEqual({ referable: false, referralThreshold: null });
  });

  it('stay on screen while the view uses them, so that they can be cleared', () => {
    expect(predictionControls(drGrade, null, { predicted: 3 }, 'name')).toEqual({ referable: false, referralThreshold: null });
    expect(predictionControls(drGrade, null, {}, 'predicted')).toEqual({ referable: false, referralThreshold: null });
    expect(predictionControls(drGrade, null, { referableAtLeast: 0.5 }, 'name')).toEqual({ referable: true, referralThreshold: null });
    expect(predictionControls(drGrade, undefined, {}, 'referable')).toEqual({ referable: true, referralThreshold: null });
    expect(predictionControls(drGrade, { head: 'regression', referralThreshold: null }, { referableAtLeast: 0.5 }, 'name')).toEqual({ referable: true, referralThreshold: null });
  });

  it('offers 0.25, 0.5 and 0.75, and keeps a remembered other value', () => {
    expect(REFERABLE_CHOICES).toEqual([0.25, 0.5, 0.75]);
    expect(referableChoices(undefined)).toEqual([0.25, 0.5, 0.75]);
    expect(referableChoices(0.5)).toEqual([0.25, 0.5, 0.75]);
    expect(referableChoices(0.6)).toEqual([0.25, 0.5, 0.6, 0.75]);
  });

  it('offers the active model’s saved referral threshold, and names it', () => {
    expect(predictionControls(drGrade, { head: 'ordinal', referralThreshold: 0.37 }, {}, 'name')).toEqual({ referable: true, referralThreshold: 0.37 });
    expect(referableChoices(undefined, 0.37)).toEqual([0.25, 0.37, 0.5, 0.75]);
    expect(referableChoices(0.6, 0.37)).toEqual([0.25, 0.37, 0.5, 0.6, 0.75]);
    expect(referableChoiceText(0.37, 0.37)).toBe('0.37 (referral threshold)');
    expect(referableChoiceText(0.5, 0.37)).toBe('0.50');
  });

  it('names the sort in the task’s words', () => {
    expect(predictedSortName(drGrade)).toBe('Predicted grade');
    expect(predictedSortName(dermoscopy)).toBe('Predicted class');
    expect(predictedSortName(microscopy)).toBe('Predicted labels');
  });
});

describe('which finished jobs refresh predictions', () => {
  it('training and prediction jobs of this project, or of no project', () => {
    expect(changesPredictions({ kind: 'training', projectId: 7 }, 7)).toBe(true);
    expect(changesPredictions({ kind: 'prediction', projectId: 7 }, 7)).toBe(true);
    expect(changesPredictions({ kind: 'prediction', projectId: null }, 7)).toBe(true);
  });

  it('not imports, nor another project’s jobs', () => {
    expect(changesPredictions({ kind: 'import', projectId: 7 }, 7)).toBe(false);
    expect(changesPredictions({ kind: 'training', projectId: 8 }, 7)).toBe(false);
  });
});

describe('reading a DR grade prediction', () => {
  it('shows a split between grades far apart as two possibilities, never as their average', async () => {
    const { gradeReading, possibilitiesText } = await import('../../src/renderer/src/lib/predictions/format');
    const split = gradeReading([0.6, 0, 0.4, 0, 0]);
    expect(split).toEqual({ kind: 'two', first: { grade: 0, probability: 0.6 }, second: { grade: 2, probability: 0.4 } });
    expect(possibilitiesText(drGrade, split as Extract<typeof split, { kind: 'two' }>)).toBe('grade 0 (No DR), 60%, or grade 2 (Moderate NPDR), 40%');
  });

  it('keeps one grade when the runner-up is a neighbour or small', async () => {
    const { gradeReading } = await import('../../src/renderer/src/lib/predictions/format');
    expect(gradeReading([0.55, 0.45, 0, 0, 0])).toEqual({ kind: 'one', grade: 0, probability: 0.55 });
    expect(gradeReading([0.8, 0, 0.2, 0, 0])).toEqual({ kind: 'one', grade: 0, probability: 0.8 });
  });
});
