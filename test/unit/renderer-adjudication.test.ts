import { describe, expect, it } from 'vitest';
import { adjudicationKey } from '../../src/renderer/src/lib/adjudication/keys';

const key = (k: string, modifiers: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) =>
  adjudicationKey({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...modifiers });

describe('Adjudication view keys', () => {
  it('decides with a digit, undoes with Ctrl+Z (or Cmd+Z) and moves with the arrows', () => {
    expect(key('3')).toEqual({ kind: 'decide', digit: 3 });
    expect(key('z', { ctrlKey: true })).toEqual({ kind: 'undo' });
    expect(key('Z', { metaKey: true })).toEqual({ kind: 'undo' });
    expect(key('ArrowRight')).toEqual({ kind: 'move', delta: 1 });
    expect(key('ArrowLeft')).toEqual({ kind: 'move', delta: -1 });
  });

  it('leaves Ctrl+digit to the view switcher and other keys alone', () => {
    expect(key('8', { ctrlKey: true })).toBeNull();
    expect(key('z')).toBeNull();
    expect(key('a')).toBeNull();
  });
});
