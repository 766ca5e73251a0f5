/**
 * Tells the `data.changed` events this window's own writes caused from everyone else's, so that Review
 * does not fetch back what a write already answered with. An event that arrives while a write is in
 * flight is held until the write answers (the event and the answer travel apart and may come in either
 * order); an event naming exactly the images a write answered for is that write's, once, for a few
 * seconds. Every other event is passed on. A change from elsewhere to the same image in that moment is
 * taken for ours; the next change or a move to the image shows it.
 */
import type { Events } from '../../../../shared/api';

export type DataChange = Events['data.changed'];

/** How long after its answer a write's own event may still arrive. */
export const OWN_EVENT_GRACE_MS = 3000;

export class OwnWrites {
  #inFlight = 0;
  #held: DataChange[] = [];
  #expected: Array<{ imageIds: number[]; until: number }> = [];

  constructor(
    /** Receives the events that are not this window's own. */
    private readonly passOn: (change: DataChange) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sends a write; `imagesOf` names the images its answer says it changed (none: it changed nothing). */
  async write<T>(send: () => Promise<T>, imagesOf: (answer: T) => number[]): Promise<T> {
    this.#inFlight++;
    try {
      const answer = await send();
      const imageIds = imagesOf(answer);
      if (imageIds.length) this.#expected.push({ imageIds, until: this.now() + OWN_EVENT_GRACE_MS });
      return answer;
    } finally {
      if (--this.#inFlight === 0) this.#held.splice(0).forEach((change) => this.receive(change));
    }
  }

  /** A `data.changed` event: held, recognised as ours, or passed on. */
  receive(change: DataChange): void {
    if (this.#inFlight > 0) return void this.#held.push(change);
    const now = this.now();
    this.#expected = this.#expected.filter((expected) => expected.until >= now);
    const ours = this.#expected.findIndex((expected) => sameImages(expected.imageIds, change.imageIds));
    if (ours >= 0) this.#expected.splice(ours, 1);
    else this.passOn(change);
  }
}

function sameImages(expected: number[], changed: number[] | null): boolean {
  if (!changed || changed.length !== expected.length) return false;
  const wanted = new Set(expected);
  return changed.every((imageId) => wanted.has(imageId));
}
