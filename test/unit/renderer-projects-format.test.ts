import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, formatRate, plural } from '../../src/renderer/src/lib/format';

describe('progress and report figures', () => {
  it('groups thousands with commas', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1234)).toBe('1,234');
    expect(formatCount(100_000)).toBe('100,000');
    expect(formatCount(1_234_567)).toBe('1,234,567');
  });

  it('shows fast rates as whole numbers and slow ones with a decimal', () => {
    expect(formatRate(56.4)).toBe('56/s');
    expect(formatRate(56.5)).toBe('57/s');
    expect(formatRate(10)).toBe('10/s');
    expect(formatRate(1234.2)).toBe('1234/s');
    expect(formatRate(2.5)).toBe('2.5/s');
    expect(formatRate(9.94)).toBe('9.9/s');
    expect(formatRate(0.04)).toBe('0.0/s');
  });

  it('shows durations under a minute in seconds, rounded', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(0.4)).toBe('0s');
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(59.4)).toBe('59s');
  });

  it('shows durations under an hour in minutes and two-digit seconds', () => {
    expect(formatDuration(59.5)).toBe('1m 00s');
    expect(formatDuration(60)).toBe('1m 00s');
    expect(formatDuration(67)).toBe('1m 07s');
    expect(formatDuration(754)).toBe('12m 34s');
    expect(formatDuration(3599)).toBe('59m 59s');
  });

  it('shows longer durations in hours and two-digit minutes, dropping the seconds', () => {
    expect(formatDuration(3600)).toBe('1h 00m');
    expect(formatDuration(7500)).toBe('2h 05m');
    expect(formatDuration(7559)).toBe('2h 05m');
    expect(formatDuration(36_000 + 59 * 60)).toBe('10h 59m');
  });

  it('never shows a negative duration', () => {
    expect(formatDuration(-5)).toBe('0s');
  });

  it('counts things in the singular only for exactly one', () => {
    expect(plural(0, 'image')).toBe('0 images');
    expect(plural(1, 'image')).toBe('1 image');
    expect(plural(3, 'image file')).toBe('3 image files');
    expect(plural(12_345, 'image')).toBe('12,345 images');
    expect(plural(1, 'match', 'matches')).toBe('1 match');
    expect(plural(2, 'match', 'matches')).toBe('2 matches');
  });
});
