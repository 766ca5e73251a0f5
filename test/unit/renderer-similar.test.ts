import { describe, expect, it } from 'vitest';
import { HAM10000_CLASSES, HPA_LABELS, taskSpecFor, type LabelValue } from '../../src/shared/domain';
import type { EmbeddingSummary, SimilarCasesAnswer } from '../../src/shared/similar';
import {
  acceptance,
  agreementText,
  defaultThreshold,
  embeddingFacts,
  formatSimilarity,
  neighbourAccuracyText,
  neighbourCaution,
  parseThreshold,
  suggestionText,
  votePercent,
} from '../../src/renderer/src/lib/review/similar-text';
import { SHORTCUTS } from '../../src/renderer/src/lib/shortcuts';

const drGrade = taskSpecFor('dr-grade');
const dermoscopy = taskSpecFor('multiclass', HAM10000_CLASSES);
const microscopy = taskSpecFor('multilabel', HPA_LABELS);

/** An answer whose neighbours vote `label` with `confidence`. */
function answerFor(label: LabelValue, confidence: number, { threshold = 0.7, neighbours = 6 } = {}): SimilarCasesAnswer {
  return {
    modelId: 3,
    neighbours: Array.from({ length: neighbours }, (_, i) => ({ imageId: 100 + i, fileName: `case-${i}.png`, label, similarity: 0.9 - i * 0.05 })),
    suggestion: neighbours === 0 ? null : { label, confidence, agrees: null },
    threshold,
    learnedThisLabel: false,
  };
}

// A itself is pressed in test/e2e/similar.spec.ts: review-keys.ts needs the DOM's types.

describe('the A key in Review', () => {
  it('is listed among the Review shortcuts', () => {
    expect(SHORTCUTS.find((shortcut) => shortcut.keys === 'A')).toMatchObject({ scope: 'Review', action: expect.stringMatching(/suggest/) });
  });
});

describe('the reader’s vote threshold', () => {
  it('reads a whole percentage, clamped to 50–100', () => {
    expect(parseThreshold('75')).toBe(75);
    expect(parseThreshold(' 72.6 ')).toBe(73);
    expect(parseThreshold('30')).toBe(50);
    expect(parseThreshold('150')).toBe(100);
  });

  it('has no value for nothing stored or something that is not a number', () => {
    expect(parseThreshold(null)).toBeNull();
    expect(parseThreshold('')).toBeNull();
    expect(parseThreshold('seventy')).toBeNull();
    expect(parseThreshold('Infinity')).toBeNull();
  });

  it('defaults to the server’s threshold, within the same range', () => {
    expect(defaultThreshold({ threshold: 0.7 })).toBe(70);
    expect(defaultThreshold({ threshold: 0.3 })).toBe(50);
  });
});

describe('what the panel says', () => {
  it('never rounds a vote up to reach a threshold', () => {
    expect(votePercent(0.72)).toBe('72%');
    expect(votePercent(0.6999)).toBe('69%');
    expect(votePercent(0.7)).toBe('70%');
    expect(votePercent(1)).toBe('100%');
  });

  it('shows similarities with two decimals and no negative zero', () => {
    expect(formatSimilarity(0.8765)).toBe('0.88');
    expect(formatSimilarity(-0.5)).toBe('-0.50');
    expect(formatSimilarity(-0.001)).toBe('0.00');
  });

  it('names the suggestion in the project’s words with its share of the vote', () => {
    expect(suggestionText(drGrade, { label: 3, confidence: 0.724, agrees: null })).toBe('Neighbours suggest: grade 3 (Severe NPDR) — 72% of the vote');
    expect(suggestionText(dermoscopy, { label: 4, confidence: 0.5, agrees: false })).toBe('Neighbours suggest: mel — 50% of the vote');
    expect(suggestionText(microscopy, { label: [0, 2], confidence: 0.9, agrees: true })).toContain(`${HPA_LABELS[0]}, ${HPA_LABELS[2]}`);
  });

  it('says whether the suggestion agrees with the label the image has now', () => {
    const vote = { label: 3, confidence: 0.8, agrees: null };
    expect(agreementText(drGrade, vote, null)).toBe('This image has no grade yet.');
    expect(agreementText(drGrade, vote, 3)).toBe('Agrees with the current grade.');
    expect(agreementText(drGrade, vote, 1)).toBe('Differs from the current grade, grade 1 (Mild NPDR).');
    expect(agreementText(microscopy, { label: [1], confidence: 0.8, agrees: null }, [1])).toBe('Agrees with the current labels.');
  });
});

describe('whether the suggestion may be accepted', () => {
  const base = { task: drGrade, current: 1 as LabelValue | null, thresholdPercent: 70, hasReader: true };

  it('allows a suggestion at or above the threshold that changes the label, sending what the reader saw', () => {
    expect(acceptance({ ...base, answer: answerFor(3, 0.8) })).toEqual({ ok: true, label: 3, minConfidence: 0.7 });
    expect(acceptance({ ...base, answer: answerFor(3, 0.7) })).toEqual({ ok: true, label: 3, minConfidence: 0.7 });
    expect(acceptance({ ...base, current: null, answer: answerFor(0, 0.95), thresholdPercent: 90 })).toEqual({ ok: true, label: 0, minConfidence: 0.9 });
  });

  it('refuses below the reader’s threshold and says so', () => {
    const refused = acceptance({ ...base, answer: answerFor(3, 0.6999) });
    expect(refused).toEqual({ ok: false, reason: 'The neighbours’ vote of 69% is below your threshold of 70%.' });
    expect(acceptance({ ...base, answer: answerFor(3, 0.8), thresholdPercent: 85 })).toMatchObject({ ok: false, reason: expect.stringContaining('below your threshold of 85%') });
  });

  it('has nothing to accept when the image already has the suggested label', () => {
    expect(acceptance({ ...base, current: 3, answer: answerFor(3, 0.9) })).toMatchObject({ ok: false, reason: expect.stringContaining('already grade 3 (Severe NPDR)') });
    const multilabel = { ...base, task: microscopy, current: [0, 2] as LabelValue };
    expect(acceptance({ ...multilabel, answer: answerFor([0, 2], 0.9) })).toMatchObject({ ok: false });
    expect(acceptance({ ...multilabel, answer: answerFor([0], 0.9) })).toEqual({ ok: true, label: [0], minConfidence: 0.7 });
  });

  it('needs a reader, because the label is recorded under their name', () => {
    expect(acceptance({ ...base, hasReader: false, answer: answerFor(3, 0.9) })).toMatchObject({ ok: false, reason: expect.stringContaining('Choose a reader') });
  });

  it('has no suggestion without neighbours or without a vote', () => {
    expect(acceptance({ ...base, answer: answerFor(3, 0.9, { neighbours: 0 }) })).toMatchObject({ ok: false, reason: expect.stringContaining('No graded image') });
    const noVote = { ...answerFor(3, 0.9), suggestion: null };
    expect(acceptance({ ...base, answer: noVote })).toMatchObject({ ok: false, reason: expect.stringContaining('no suggestion') });
  });
});

describe('the embedding in Evaluate', () => {
  const summary: EmbeddingSummary = {
    embeddingDim: 128,
    groupBy: 'label',
    margin: 0.5,
    scale: 30,
    trainingImages: 52,
    embeddedImages: 60,
    createdAt: '2026-01-01T10:00:00.000Z',
    heldOut: { accuracy: 0.6199, majorityRate: 0.4401, images: 118, folds: 5 },
  };

  it('states held-out top-1 neighbour accuracy beside the majority-class rate', () => {
    expect(neighbourAccuracyText(summary)).toBe('Top-1 neighbour accuracy on held-out patients: 62% (majority class 44%), 118 images, 5 folds');
  });

  it('says when held-out accuracy could not be measured', () => {
    expect(neighbourAccuracyText({ ...summary, heldOut: null })).toMatch(/not measured/);
  });

  it('warns when the neighbours do no better than always answering the commonest label', () => {
    const worse = { ...summary, heldOut: { ...summary.heldOut!, accuracy: 0.32, majorityRate: 0.43 } };
    expect(neighbourAccuracyText(worse)).toMatch(/^Top-1 neighbour accuracy on held-out patients: 32% \(majority class 43%\).*no better than always answering the commonest label/);
    expect(neighbourAccuracyText(summary)).not.toMatch(/no better/);
    expect(neighbourCaution(worse.heldOut)).toBe(
      "Caution: on held-out patients the nearest case's label was right 32% of the time, no better than always answering the commonest label (43%).",
    );
    expect(neighbourCaution(summary.heldOut)).toBeNull();
    expect(neighbourCaution(null)).toBeNull();
  });

  it('describes the embedding', () => {
    expect(embeddingFacts(summary)).toBe('128-d ArcFace embedding, margin 0.5, scale 30; trained on 52 graded images, one class per label; 60 images embedded');
    expect(embeddingFacts({ ...summary, groupBy: 'group', trainingImages: 1, embeddedImages: 1 })).toContain('1 graded image, one class per patient; 1 image embedded');
  });
});
