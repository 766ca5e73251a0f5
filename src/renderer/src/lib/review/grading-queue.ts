/**
 * Review's grading keys, queued in the order they were pressed and saved one at a time, so that a grader
 * typing ahead never loses a key nor lands one on the wrong image.
 *
 * A key pressed while nothing is queued and the screen shows the image it is heading to applies to that
 * image. A key pressed while earlier keys are still queued, saving, or the screen has not yet caught up
 * with them applies where the previous key leaves off: the image after it when that key advances (a
 * grade), the same image when it does not (the ungradable flag), the image an undo went back to. Each
 * image's successor is asked for before the image is graded (a graded image may leave an "unlabelled"
 * view), and a failed save neither stops nor shifts the keys behind it. A grade on the last image of
 * the view leaves nowhere to go: the keys after it are refused (not laid over that grade) until the
 * reader moves or says to go on (`moved`).
 *
 * Pure logic: the view supplies saving, looking up the next image and showing an image.
 */

export interface QueueOptions {
  /** A grade moves on to the next image (unless advancing is off); a flag stays on its image. */
  advances: boolean;
  /** Undo acts on the reader's last action, wherever it was; it reports the image it went back to. */
  targeted: boolean;
}

export type QueueReport<A> =
  | { kind: 'done'; action: A; imageId: number | null; nextId: number | null; remaining: number }
  | { kind: 'failed'; action: A; imageId: number | null; error: unknown; remaining: number }
  /** A key typed ahead past the last image of the view: there was no image left for it. */
  | { kind: 'no-image'; action: A; after: number; remaining: number };

export interface GradingQueueHost<A> {
  /** The image after `imageId` in the images Review walks through (null after the last). */
  nextAfter(imageId: number): Promise<number | null>;
  /** Saves one action on its image (null for an untargeted action); resolves with where an untargeted action went. */
  perform(action: A, imageId: number | null): Promise<{ landedOn?: number } | void>;
  /** Brings an image on screen: the screen catching up with the keys. */
  show(imageId: number): void;
  report(report: QueueReport<A>): void;
  busyChanged?(busy: boolean): void;
}

interface Pending<A> extends QueueOptions {
  action: A;
  /** The image on screen, for a key pressed with nothing ahead of it. */
  shownId: number;
  /** The key pressed just before it, still queued, saving, or not yet caught up with by the screen. */
  previous: Pending<A> | null;
  /** Once run: the image the key after it applies to (null: there is none, it was past the last image). */
  leavesOff?: number | null;
  /** Once run: the image it applied to. */
  imageId?: number | null;
}

export class GradingQueue<A> {
  private readonly pending: Pending<A>[] = [];
  private running = false;
  /** The last key queued, while the queue is busy with it. */
  private tail: Pending<A> | null = null;
  /** The image the screen was sent to and has not shown yet. */
  private expecting: number | null = null;
  private onScreen: number | null = null;
  /** A grade ran past the last image: later keys have no image until the reader moves. */
  private pastEnd = false;
  private waiters: Array<() => void> = [];

  constructor(private readonly host: GradingQueueHost<A>) {}

  /** Whether keys are queued, saving, or the screen is still catching up with them. */
  get busy(): boolean {
    return this.running || this.pending.length > 0 || this.expecting !== null;
  }

  /** How many actions are queued or saving. */
  get length(): number {
    return this.pending.length + (this.running ? 1 : 0);
  }

  /** Queues a key pressed while `shownId` was on screen. */
  enqueue(action: A, shownId: number, options: QueueOptions): void {
    const wasBusy = this.busy;
    const item: Pending<A> = { action, ...options, shownId, previous: wasBusy || this.pastEnd ? this.tail : null };
    this.tail = item;
    this.pending.push(item);
    if (!wasBusy) this.host.busyChanged?.(true);
    void this.drain();
  }

  /** The screen now shows `imageId`. */
  shown(imageId: number): void {
    this.onScreen = imageId;
    if (this.expecting !== imageId) return;
    this.expecting = null;
    this.settleIfIdle();
  }

  /** The reader moved elsewhere (←/→, a click): later keys apply to what is on screen, not to the old run. */
  moved(): void {
    if (this.running || this.pending.length) return;
    this.expecting = null;
    this.pastEnd = false;
    this.settleIfIdle();
  }

  /** Resolves once every queued action has been saved or has failed (the screen may still be catching up). */
  idle(): Promise<void> {
    if (!this.running && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.pending.length) await this.run(this.pending.shift()!);
    this.running = false;
    for (const resolve of this.waiters.splice(0)) resolve();
    this.settleIfIdle();
  }

  private async run(item: Pending<A>): Promise<void> {
    const remaining = () => this.pending.length;
    const startsFrom = item.previous ? item.previous.leavesOff! : item.shownId;
    const target = item.targeted ? startsFrom : null;
    if (item.targeted && startsFrom === null) {
      item.leavesOff = null;
      this.host.report({ kind: 'no-image', action: item.action, after: this.lastImageBefore(item), remaining: remaining() });
      return;
    }
    item.imageId = target;
    let nextId: number | null = null;
    try {
      if (target !== null && item.advances) nextId = await this.host.nextAfter(target);
      const result = await this.host.perform(item.action, target);
      if (target === null) {
        // An undo goes back to the image it changed: the keys after it start there, even past the end.
        item.leavesOff = result?.landedOn ?? startsFrom ?? item.shownId;
        this.pastEnd = false;
        this.go(item.leavesOff);
      } else if (item.advances) {
        item.leavesOff = nextId;
        if (nextId !== null) this.go(nextId);
        else this.pastEnd = true;
      } else {
        item.leavesOff = target;
      }
      this.host.report({ kind: 'done', action: item.action, imageId: target, nextId, remaining: remaining() });
    } catch (error) {
      if (target !== null && item.advances && remaining() > 0) {
        // The keys behind it were typed for the images after it: they keep their places.
        item.leavesOff = nextId;
        if (nextId !== null) this.go(nextId);
      } else {
        // Nothing typed behind it: stay on (or return to) the image it was meant for.
        item.leavesOff = startsFrom;
        this.go(startsFrom);
      }
      this.host.report({ kind: 'failed', action: item.action, imageId: target, error, remaining: remaining() });
    }
  }

  /** The last image a key before `item` applied to, for saying where a run of keys ran out of images. */
  private lastImageBefore(item: Pending<A>): number {
    for (let previous = item.previous; previous; previous = previous.previous) {
      if (previous.imageId != null) return previous.imageId;
    }
    return item.shownId;
  }

  private go(imageId: number): void {
    if (imageId === this.onScreen && this.expecting === null) return;
    this.expecting = imageId === this.onScreen ? null : imageId;
    this.host.show(imageId);
  }

  private settleIfIdle(): void {
    if (this.busy) return;
    if (!this.pastEnd) this.tail = null;
    this.host.busyChanged?.(false);
  }
}
