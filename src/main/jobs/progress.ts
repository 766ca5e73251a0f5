import type { Progress } from '../../shared/jobs';

export type { Progress };

/** Measures rate and ETA for one phase of a job. */
export class ProgressMeter {
  private readonly startedAt = performance.now();
  done = 0;

  constructor(
    readonly phase: string,
    readonly total: number,
  ) {}

  snapshot(message?: string): Progress {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const rate = this.done > 0 && seconds > 0 ? this.done / seconds : null;
    return {
      phase: this.phase,
      done: this.done,
      total: this.total,
      ratePerSecond: rate,
      etaSeconds: rate ? (this.total - this.done) / rate : null,
      ...(message === undefined ? {} : { message }),
    };
  }
}

/** Calls `report` at most every `intervalMs`, plus always for the final state. */
export function throttled(report: (progress: Progress) => void, intervalMs = 100): (progress: Progress, force?: boolean) => void {
  let last = 0;
  return (progress, force = false) => {
    const now = performance.now();
    if (force || progress.done === progress.total || now - last >= intervalMs) {
      last = now;
      report(progress);
    }
  };
}
