import { describe, expect, it } from 'vitest';
import type { ImageEvent, LabelEvent } from '../../src/shared/domain';
import { firstGradeSince } from '../../src/renderer/src/lib/review/graded-today';
import { OWN_EVENT_GRACE_MS, OwnWrites, type DataChange } from '../../src/renderer/src/lib/review/own-writes';

const change = (imageIds: number[] | null, what: DataChange['what'] = 'labels'): DataChange => ({ projectId: 1, imageIds, what });

function writes() {
  const passed: DataChange[] = [];
  let now = 1000;
  const own = new OwnWrites((c) => passed.push(c), () => now);
  return { own, passed, later: (ms: number) => (now += ms) };
}

/** A write whose answer the test releases, so that the event can arrive before or after it. */
function pending<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('OwnWrites', () => {
  it('recognises the event of its own write when it comes after the answer, once', async () => {
    const { own, passed } = writes();
    await own.write(async () => 'ok', () => [7]);
    own.receive(change([7]));
    expect(passed).toEqual([]);
    own.receive(change([7]));
    expect(passed).toEqual([change([7])]);
  });

  it('holds an event that overtakes the answer, and recognises it once the answer says which image', async () => {
    const { own, passed } = writes();
    const answer = pending<string>();
    const written = own.write(() => answer.promise, () => [7]);
    own.receive(change([7]));
    own.receive(change([8]));
    expect(passed).toEqual([]);
    answer.resolve('ok');
    await written;
    expect(passed).toEqual([change([8])]);
  });

  it('passes on what a failed write held, and other images, whole projects and late events', async () => {
    const { own, passed, later } = writes();
    const answer = pending<string>();
    const written = own.write(() => answer.promise, () => [7]);
    own.receive(change([7]));
    answer.reject(new Error('refused'));
    await expect(written).rejects.toThrow('refused');
    expect(passed).toEqual([change([7])]);

    await own.write(async () => 'ok', () => [9]);
    own.receive(change(null, 'images'));
    own.receive(change([9, 10]));
    later(OWN_EVENT_GRACE_MS + 1);
    own.receive(change([9]));
    expect(passed).toEqual([change([7]), change(null, 'images'), change([9, 10]), change([9])]);
  });

  it('expects nothing from a write that changed nothing', async () => {
    const { own, passed } = writes();
    await own.write(async () => ({ event: null }), () => []);
    own.receive(change([7], 'flags'));
    expect(passed).toEqual([change([7], 'flags')]);
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
