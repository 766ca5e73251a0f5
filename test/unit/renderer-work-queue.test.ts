import { describe, expect, it } from 'vitest';
import { myQueueButtonText, nothingLeftText, queueEndText, queuePositionText } from '../../src/renderer/src/lib/review/work-queue-text';
import { SHORTCUTS } from '../../src/renderer/src/lib/shortcuts';
import type { WorkQueuePosition } from '../../src/shared/protocols';

const at = (index: number, owed: number, graded: number): WorkQueuePosition => ({
  index,
  total: owed,
  previousId: null,
  nextId: null,
  order: 'random',
  counts: { owed, graded },
});

describe("a grader's work queue in words", () => {
  it('places the image among the owed ones, with what is done', () => {
    expect(queuePositionText(at(2, 41, 12), false)).toBe('3 of 41 owed in your queue · 12 graded');
    expect(queuePositionText(at(0, 1200, 3400), false)).toBe('1 of 1,200 owed in your queue · 3,400 graded');
  });

  it('says when the image has left the queue, and when nothing is left', () => {
    expect(queuePositionText(at(-1, 40, 13), false)).toMatch(/^no longer owed \(graded\) · 40 owed, 13 graded; ← \/ → go to its neighbours/);
    expect(queuePositionText(at(2, 41, 12), true)).toMatch(/^no longer owed/);
    expect(queuePositionText(at(-1, 0, 6), true)).toBe('Nothing left in your queue: 6 graded, none owed. Press Esc for the Library.');
    expect(nothingLeftText(1234)).toMatch(/^Nothing left in your queue: 1,234 graded/);
    expect(queueEndText('next')).toMatch(/no image after/);
    expect(queueEndText('previous')).toMatch(/no image before/);
  });

  it("offers the queue in the Library with its count and a key of its own there", () => {
    expect(myQueueButtonText(41)).toBe('Grade my queue (41 owed)');
    const library = SHORTCUTS.filter((shortcut) => shortcut.scope === 'Library' || shortcut.scope === 'Anywhere');
    expect(library.filter((shortcut) => shortcut.keys.split(/[ /·,]+/).includes('Q'))).toEqual([
      expect.objectContaining({ keys: 'Q', scope: 'Library', action: expect.stringMatching(/Grade my queue/) }),
    ]);
  });
});
