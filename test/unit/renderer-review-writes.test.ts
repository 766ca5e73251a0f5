import { describe, expect, it } from 'vitest';
import type { ImageEvent, LabelEvent } from '../../src/shared/domain';
import { firstGradeSince } from '../../src/renderer/src/lib/review/graded-today';
import { OwnWrites, type DataChange } from '../../src/renderer/src/lib/review/own-writes';

const change = (imageIds: number[] | null, eventIds?: number[], what: DataChange['what'] = 'labels'): DataChange => ({
  projectId: 1,
  imageIds,
  what,
  ...(eventIds ? { eventIds } : {}),
});

function writes() {
  const passed: DataChange[] = [];
  const own = new OwnWrites((c) => passed.push(c));
  return { own, passed };
}

/** A write whose answer the test releases, so that the event can arrive before or after it. */
function pending<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('OwnWrites', () => {
  it('recognises the change its own write caused when it comes after the answer, once', async () => {
    const { own, passed } = writes();
    await own.write(async () => ({ eventId: 41 }), (answer) => [answer.eventId]);
    own.receive(change([7], [41]));
    expect(passed).toEqual([]);
    own.receive(change([7], [41]));
    expect(passed).toEqual([change([7], [41])]);
  });

  it('holds a change that overtakes the answer, and recognises it once the answer names its event', async () => {
    const { own, passed } = writes();
    const answer = pending<number>();
    const written = own.write(() => answer.promise, (eventId) => [eventId]);
    own.receive(change([7], [41]));
    own.receive(change([8], [42]));
    expect(passed).toEqual([]);
    answer.resolve(41);
    await written;
    expect(passed).toEqual([change([8], [42])]);
  });

  it('passes on another window’s change to the same image, even right after its own write', async () => {
    const { own, passed } = writes();
    await own.write(async () => 41, (eventId) => [eventId]);
    own.receive(change([7], [43]));
    own.receive(change([7], [41]));
    expect(passed).toEqual([change([7], [43])]);
  });

  it('passes on what a failed write held, changes without events, and changes only partly its own', async () => {
    const { own, passed } = writes();
    const answer = pending<number>();
    const written = own.write(() => answer.promise, (eventId) => [eventId]);
    own.receive(change([7], [41]));
    answer.reject(new Error('refused'));
    await expect(written).rejects.toThrow('refused');
    expect(passed).toEqual([change([7], [41])]);

    await own.write(async () => [50, 51], (eventIds) => eventIds);
    own.receive(change(null, undefined, 'images'));
    own.receive(change([9, 10], [50, 51, 52]));
    expect(passed).toEqual([change([7], [41]), change(null, undefined, 'images'), change([9, 10], [50, 51, 52])]);
  });

  it('expects nothing from a write that changed nothing', async () => {
    const { own, passed } = writes();
    await own.write(async () => ({ event: null }), () => []);
    own.receive(change([7], [], 'flags'));
    expect(passed).toEqual([change([7], [], 'flags')]);
  });
});

describe('firstGradeSince (the day counter after the reader’s own grade)', () => {
  const since = '2026-12-04T00:00:00.000Z';
  let nextId = 1;
  const grade = (over: Partial<LabelEvent> = {}): LabelEvent => ({
    id: nextId++,
    imageId: 5,
    kind: 'label',
    value: 2,
    previousValue: null,
    readerName: 'Dr Ellis',
    origin: null,
    source: 'reader',
    note: null,
    createdAt: '2026-12-04T09:00:00.000Z',
    undoOf: null,
    restored: null,
    ...over,
  });

  it('counts a first grade of the image today, not a second one by the same reader', () => {
    const first = grade();
    expect(firstGradeSince([first], first, since)).toBe(true);
    const second = grade({ value: 3 });
    expect(firstGradeSince([first, second], second, since)).toBe(false);
  });

  it('counts the first grade today even after yesterday’s, an import, another reader’s grade or an undo', () => {
    const earlier: ImageEvent[] = [
      grade({ createdAt: '2026-12-03T09:00:00.000Z' }),
      grade({ source: 'import', readerName: null }),
      grade({ readerName: 'Dr Okafor' }),
      grade({ undoOf: 1, value: null }),
    ];
    const today = grade();
    expect(firstGradeSince([...earlier, today], today, since)).toBe(true);
  });

  it('does not count an undo, a cleared grade or a flag', () => {
    const undo = grade({ undoOf: 1 });
    expect(firstGradeSince([undo], undo, since)).toBe(false);
    const cleared = grade({ value: null });
    expect(firstGradeSince([cleared], cleared, since)).toBe(false);
    const flag: ImageEvent = { ...grade(), kind: 'ungradable', value: true, previousValue: false };
    expect(firstGradeSince([flag], flag, since)).toBe(false);
  });
});
