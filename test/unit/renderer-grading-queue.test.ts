import { describe, expect, it } from 'vitest';
import { GradingQueue, type QueueOptions, type QueueReport } from '../../src/renderer/src/lib/review/grading-queue';

const GRADE: QueueOptions = { advances: true, targeted: true };
const FLAG: QueueOptions = { advances: false, targeted: true };
const UNDO: QueueOptions = { advances: false, targeted: false };

/**
 * A Review stand-in: images 1..`count` in order, saves that take a turn of the event loop (or fail when
 * told to), and a screen that shows an image only when the test says the picture appeared.
 */
function harness(options: { count?: number; failOn?: (action: string, imageId: number | null) => boolean } = {}) {
  const count = options.count ?? 10;
  const saved: Array<[string, number | null]> = [];
  const reports: Array<QueueReport<string>> = [];
  const screen = { shown: 1, heading: 1 };
  const busy: boolean[] = [];
  let undone: number | null = null;
  const queue = new GradingQueue<string>({
    nextAfter: async (imageId) => (imageId < count ? imageId + 1 : null),
    perform: async (action, imageId) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (options.failOn?.(action, imageId)) throw new Error(`refused ${action} on ${imageId}`);
      saved.push([action, imageId]);
      if (action === 'undo') return { landedOn: undone ?? undefined };
    },
    show: (imageId) => {
      screen.heading = imageId;
    },
    report: (report) => reports.push(report),
    busyChanged: (value) => busy.push(value),
  });
  queue.shown(1);
  return {
    queue,
    saved,
    reports,
    screen,
    busy,
    setUndone: (imageId: number) => (undone = imageId),
    /** The picture the screen was heading to appears. */
    appear: () => {
      screen.shown = screen.heading;
      queue.shown(screen.heading);
    },
    press: (action: string, options: QueueOptions = GRADE) => queue.enqueue(action, screen.shown, options),
  };
}

describe('GradingQueue', () => {
  it('saves keys typed ahead in order, each on the image after the previous one, while the screen lags behind', async () => {
    const h = harness();
    for (const key of ['1', '2', '3', '0']) h.press(key);
    expect(h.queue.busy).toBe(true);
    await h.queue.idle();
    expect(h.saved).toEqual([
      ['1', 1],
      ['2', 2],
      ['3', 3],
      ['0', 4],
    ]);
    expect(h.screen.heading).toBe(5);
    expect(h.queue.busy).toBe(true);
    h.appear();
    expect(h.queue.busy).toBe(false);
    expect(h.busy).toEqual([true, false]);
  });

  it('keys pressed after the screen partly caught up still follow on from the keys before them', async () => {
    const h = harness();
    h.press('1');
    h.press('2');
    await new Promise((resolve) => setTimeout(resolve, 8));
    // The screen reached image 2 after the first save, while 2 was being saved to it.
    h.appear();
    h.press('3');
    await h.queue.idle();
    h.appear();
    h.press('4');
    await h.queue.idle();
    expect(h.saved).toEqual([
      ['1', 1],
      ['2', 2],
      ['3', 3],
      ['4', 4],
    ]);
  });

  it('a key pressed after the last save but before the next picture appears goes to that next image', async () => {
    const h = harness();
    h.press('1');
    await h.queue.idle();
    expect(h.screen).toEqual({ shown: 1, heading: 2 });
    h.press('2');
    await h.queue.idle();
    expect(h.saved).toEqual([
      ['1', 1],
      ['2', 2],
    ]);
  });

  it('once idle and caught up, a key applies to the image on screen, wherever the reader moved', async () => {
    const h = harness();
    h.press('1');
    await h.queue.idle();
    h.appear();
    h.screen.shown = 7;
    h.queue.shown(7);
    h.press('4');
    await h.queue.idle();
    expect(h.saved).toEqual([
      ['1', 1],
      ['4', 7],
    ]);
  });

  it('a failed save is reported, and the keys typed behind it keep their images', async () => {
    const h = harness({ failOn: (action) => action === '2' });
    for (const key of ['1', '2', '3', '0']) h.press(key);
    await h.queue.idle();
    expect(h.saved).toEqual([
      ['1', 1],
      ['3', 3],
      ['0', 4],
    ]);
    const failed = h.reports.filter((report) => report.kind === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ action: '2', imageId: 2 });
    expect(h.screen.heading).toBe(5);
  });

  it('a failed save with nothing behind it stays on its image, and the next key retries there', async () => {
    let fail = true;
    const h = harness({ failOn: () => fail });
    h.press('2');
    await h.queue.idle();
    expect(h.screen.heading).toBe(1);
    expect(h.queue.busy).toBe(false);
    fail = false;
    h.press('2');
    await h.queue.idle();
    expect(h.saved).toEqual([['2', 1]]);
  });

  it('a flag typed after a grade applies to the image the grade moved to, and does not move on', async () => {
    const h = harness();
    h.press('1');
    h.press('u', FLAG);
    h.press('2');
    await h.queue.idle();
    expect(h.saved).toEqual([
      ['1', 1],
      ['u', 2],
      ['2', 2],
    ]);
  });

  it('undo runs after the keys before it, and the keys after it apply to the image it went back to', async () => {
    const h = harness();
    h.setUndone(2);
    h.press('1');
    h.press('2');
    h.press('undo', UNDO);
    h.press('4');
    await h.queue.idle();
    expect(h.saved).toEqual([
      ['1', 1],
      ['2', 2],
      ['undo', null],
      ['4', 2],
    ]);
  });

  it('keys typed past the last image are reported, not saved anywhere', async () => {
    const h = harness({ count: 2 });
    h.press('1');
    h.press('2');
    h.press('3');
    await h.queue.idle();
    expect(h.saved).toEqual([
      ['1', 1],
      ['2', 2],
    ]);
    expect(h.reports.at(-1)).toMatchObject({ kind: 'no-image', action: '3', after: 2 });
  });

  it('after a grade on the last image, a key pressed once all is saved is refused too, not laid over that grade', async () => {
    const h = harness({ count: 1 });
    h.press('4');
    await h.queue.idle();
    h.press('2');
    await h.queue.idle();
    expect(h.saved).toEqual([['4', 1]]);
    expect(h.reports.at(-1)).toMatchObject({ kind: 'no-image', action: '2', after: 1 });
    // Undo still works there, and the keys after it apply to the image it went back to.
    h.setUndone(1);
    h.press('undo', UNDO);
    h.press('1');
    await h.queue.idle();
    expect(h.saved.slice(1)).toEqual([
      ['undo', null],
      ['1', 1],
    ]);
    h.press('2');
    await h.queue.idle();
    expect(h.saved.at(-1)).toEqual(['1', 1]);
    // Until the reader says to go on (moves, dismisses): then keys apply to the image on screen again.
    h.queue.moved();
    h.press('3');
    await h.queue.idle();
    expect(h.saved.at(-1)).toEqual(['3', 1]);
  });
});
