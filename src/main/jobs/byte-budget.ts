/**
 * A semaphore weighted in bytes: work on a file waits until its bytes fit in what the files already
 * in flight leave of the budget. A file larger than the whole budget waits for the others to finish and
 * then runs alone. (p-limit and piscina count tasks, not bytes; no dependency weighs them.)
 */
export class ByteBudget {
  private inUse = 0;
  private readonly waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(readonly capacity: number) {}

  /** Waits until `bytes` fit, then holds them until `release(bytes)`. Rejects with the signal's reason on abort. */
  async acquire(bytes: number, signal?: AbortSignal): Promise<number> {
    const held = Math.min(Math.max(bytes, 0), this.capacity);
    signal?.throwIfAborted();
    if (this.waiting.length === 0 && this.inUse + held <= this.capacity) {
      this.inUse += held;
      return held;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = { bytes: held, grant: () => { signal?.removeEventListener('abort', abort); resolve(); } };
      const abort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal!.reason);
        this.grantWaiting();
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.waiting.push(waiter);
    });
    return held;
  }

  release(held: number): void {
    this.inUse -= held;
    this.grantWaiting();
  }

  /** First come, first served: a large file at the head is not overtaken by a stream of small ones. */
  private grantWaiting(): void {
    while (this.waiting.length && this.inUse + this.waiting[0]!.bytes <= this.capacity) {
      const next = this.waiting.shift()!;
      this.inUse += next.bytes;
      next.grant();
    }
  }
}
