import { describe, expect, it } from 'vitest';
import { counterText, emptyQueueText, reviewedShare } from '../../src/renderer/src/lib/triage/format';
import { defaultOrder, readMemory, resumeIndex } from '../../src/renderer/src/lib/triage/places';
import { HAM10000_CLASSES, taskSpecFor } from '../../src/shared/domain';
import { probabilityText, scoreText, TRIAGE_ORDER_INFO, TRIAGE_ORDERS } from '../../src/shared/triage';

describe('the triage queue in words', () => {
  it('names each score, as a probability where it lies in [0, 1], never as certain', () => {
    expect(scoreText('referable', 0.912)).toBe('chance of referable DR 0.91');
    expect(scoreText('referable', 0.999)).toBe('chance of referable DR > 0.99');
    expect(scoreText('uncertainty', 0.001)).toBe('uncertainty < 0.01');
    expect(scoreText('label-errors', 1)).toBe('doubt > 0.99');
    expect(scoreText('disagreement', 3.25)).toBe('disagreement 3.25');
    expect(scoreText('top-loss', 13.8155)).toBe('surprise 13.82');
    expect(probabilityText(0.005)).toBe('0.01');
    expect(probabilityText(0.0049)).toBe('< 0.01');
  });

  it('describes every order', () => {
    for (const order of TRIAGE_ORDERS) {
      expect(TRIAGE_ORDER_INFO[order].title.length).toBeGreaterThan(5);
      expect(TRIAGE_ORDER_INFO[order].description).toMatch(/\.$/);
    }
  });

  it('counts reviewed and remaining images', () => {
    expect(counterText({ reviewed: 1200, remaining: 34, total: 1234 })).toBe('1,200 reviewed · 34 remaining of 1,234');
    expect(reviewedShare({ reviewed: 1, remaining: 3, total: 4 })).toBe(0.25);
    expect(reviewedShare({ reviewed: 0, remaining: 0, total: 0 })).toBe(0);
  });

  it('tells an emptied queue from one the order has nothing for', () => {
    expect(emptyQueueText('referable', { reviewed: 5, remaining: 0, total: 5 })).toMatch(/^Every image of “Referable first” has been reviewed/);
    expect(emptyQueueText('label-errors', { reviewed: 0, remaining: 0, total: 0 })).toMatch(/^Confident learning doubts no label/);
  });
});

describe('where the queue resumes', () => {
  it('starts DR grading with the referable order, other tasks with the most uncertain', () => {
    expect(defaultOrder(taskSpecFor('dr-grade'))).toBe('referable');
    expect(defaultOrder(taskSpecFor('multiclass', HAM10000_CLASSES))).toBe('uncertainty');
  });

  it('returns to the remembered image, or to its index once it left the queue', () => {
    expect(resumeIndex([7, 8, 9, 10], 4, { imageId: 9, index: 1 })).toBe(2);
    // Graded: out of the queue; what followed it now has its index.
    expect(resumeIndex([7, 8, 10], 3, { imageId: 9, index: 2 })).toBe(2);
    expect(resumeIndex([7, 8], 2, { imageId: 9, index: 5 })).toBe(1);
    expect(resumeIndex([7, 8], 2, null)).toBe(0);
    expect(resumeIndex([], 0, { imageId: 9, index: 5 })).toBe(0);
  });

  it('reads back only what makes sense of the saved memory', () => {
    expect(readMemory(null)).toEqual({ orders: {}, places: {}, includeReviewed: false });
    expect(readMemory('not json')).toEqual({ orders: {}, places: {}, includeReviewed: false });
    const saved = JSON.stringify({
      orders: { 1: 'label-errors', 2: 'shuffle' },
      places: { '1:label-errors': { imageId: 12, index: 3 }, '1:referable': { imageId: 'x', index: 0 }, '2:top-loss': { imageId: 4, index: -1 } },
      includeReviewed: true,
    });
    expect(readMemory(saved)).toEqual({ orders: { 1: 'label-errors' }, places: { '1:label-errors': { imageId: 12, index: 3 } }, includeReviewed: true });
  });
});
