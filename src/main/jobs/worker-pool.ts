import os from 'node:os';
import { Piscina } from 'piscina';

/**
 * A pool of worker threads, one per core, running the default export of `script`. When tests run the
 * TypeScript sources directly, the workers load them through tsx; the built app runs plain JavaScript.
 */
export function createWorkerPool(script: string, threads = os.availableParallelism()): Piscina {
  return new Piscina({
    filename: script,
    minThreads: 1,
    maxThreads: threads,
    execArgv: script.endsWith('.ts') ? ['--import', 'tsx'] : [],
  });
}
