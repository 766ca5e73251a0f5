/** A burst of calls, one run: for a view that measures or fetches again when data change elsewhere. */
export interface Debounced {
  /** Runs `work` once, `delayMs` after the last call of a burst. */
  (): void;
  /** Drops a run still waiting (a view's teardown). */
  cancel(): void;
}

export function debounce(work: () => void, delayMs: number): Debounced {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      work();
    }, delayMs);
  };
  return Object.assign(run, { cancel: () => clearTimeout(timer) });
}
