/**
 * Tells the `data.changed` events this window's own writes caused from everyone else's, so that Review
 * does not fetch back what a write already answered with. Each change names the audit events it wrote;
 * a change made only of events this window's writes answered with is its own, once. An event that arrives
 * while a write is in flight is held until the write answers (the event and the answer travel apart and
 * may come in either order). Everything else, a change by another window to the same image included, is
 * passed on.
 */
import type { Events } from '../../../../shared/api';

export type DataChange = Events['data.changed'];

export class OwnWrites {
  #inFlight = 0;
  #held: DataChange[] = [];
  #ownEventIds = new Set<number>();

  constructor(
    /** Receives the events that are not this window's own. */
    private readonly passOn: (change: DataChange) => void,
  ) {}

  /** Sends a write; `eventIdsOf` names the audit events its answer says it wrote (none: it changed nothing). */
  async write<T>(send: () => Promise<T>, eventIdsOf: (answer: T) => number[]): Promise<T> {
    this.#inFlight++;
    try {
      const answer = await send();
      for (const eventId of eventIdsOf(answer)) this.#ownEventIds.add(eventId);
      return answer;
    } finally {
      if (--this.#inFlight === 0) this.#held.splice(0).forEach((change) => this.receive(change));
    }
  }

  /** A `data.changed` event: held, recognised as ours, or passed on. */
  receive(change: DataChange): void {
    if (this.#inFlight > 0) return void this.#held.push(change);
    const eventIds = change.eventIds ?? [];
    if (eventIds.length > 0 && eventIds.every((eventId) => this.#ownEventIds.has(eventId))) {
      eventIds.forEach((eventId) => this.#ownEventIds.delete(eventId));
    } else {
      this.passOn(change);
    }
  }
}
