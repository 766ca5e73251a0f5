import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { naturalKey, registerNaturalKey } from '../../src/main/store/natural-order';

const naturally = (names: string[]) => [...names].sort((a, b) => (naturalKey(a) < naturalKey(b) ? -1 : naturalKey(a) > naturalKey(b) ? 1 : 0));

describe('natural order of file names', () => {
  it('orders digit runs by value', () => {
    expect(naturally(['img10.png', 'img2.png', 'img1.png'])).toEqual(['img1.png', 'img2.png', 'img10.png']);
    expect(naturally(['15301_left', '1530_left', '153_left', '1531_left'])).toEqual(['153_left', '1530_left', '1531_left', '15301_left']);
  });

  it('compares every digit run, not only the first', () => {
    expect(naturally(['p1_img10', 'p1_img9', 'p10_img1'])).toEqual(['p1_img9', 'p1_img10', 'p10_img1']);
  });

  it('treats leading zeros as the same number and keeps very long runs after shorter ones', () => {
    expect(naturalKey('img007')).toBe(naturalKey('img7'));
    const long = '1'.repeat(25);
    expect(naturally([`a${long}`, 'a99999999999999999999'])).toEqual(['a99999999999999999999', `a${long}`]);
  });

  it('is available to SQL as natural_key()', () => {
    const db = new Database(':memory:');
    registerNaturalKey(db);
    expect(db.prepare('SELECT natural_key(?)').pluck().get('a2')).toBe(naturalKey('a2'));
    db.close();
  });
});
