import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce } from '../../src/renderer/src/lib/debounce';

describe('debounce', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('runs once for a burst of calls, the delay after the last, and again for a later burst', () => {
    const work = vi.fn();
    const soon = debounce(work, 300);
    soon();
    vi.advanceTimersByTime(200);
    soon();
    vi.advanceTimersByTime(200);
    soon();
    // 400 ms after the first call, 0 after the last: nothing yet.
    expect(work).not.toHaveBeenCalled();
    vi.advanceTimersByTime(299);
    expect(work).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(work).toHaveBeenCalledTimes(1);
    soon();
    vi.advanceTimersByTime(300);
    expect(work).toHaveBeenCalledTimes(2);
  });

  it('drops a waiting run when cancelled', () => {
    const work = vi.fn();
    const soon = debounce(work, 300);
    soon();
    soon.cancel();
    vi.advanceTimersByTime(1000);
    expect(work).not.toHaveBeenCalled();
  });
});
