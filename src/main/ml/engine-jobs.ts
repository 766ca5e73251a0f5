// Runs an engine task in a worker thread and turns its messages back into a job's progress, result
// and errors. Cancelling asks the worker to stop at its next batch; what it finished is kept.
import { Worker } from 'node:worker_threads';
import { GradedeskError } from '../../shared/errors';
import type { JobContext } from '../jobs/runner';
import { throttled } from '../jobs/progress';
import engineWorkerScript from './worker?modulePath';
import type { EngineTask, WorkerMessage } from './worker-protocol';

export function runEngineTask<T>(dataDir: string, task: EngineTask, { signal, progress }: JobContext): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(engineWorkerScript, {
      workerData: { dataDir, task },
      // Tests run the TypeScript sources; the built app runs the bundled JavaScript.
      execArgv: engineWorkerScript.endsWith('.ts') ? ['--import', 'tsx'] : [],
    });
    const report = throttled(progress, 200);
    let settled = false;
    const cancel = () => worker.postMessage({ type: 'cancel' });
    signal.addEventListener('abort', cancel, { once: true });
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') report(message.progress, message.progress.training?.batch === 0);
      else {
        settled = true;
        // tfjs keeps a worker's event loop alive after its task: end the thread here.
        void worker.terminate();
        if (message.type === 'result') resolve(message.value as T);
        else reject(message.code ? new GradedeskError(message.code, message.message) : new Error(message.message));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      signal.removeEventListener('abort', cancel);
      if (!settled) reject(new Error(`The engine's worker stopped unexpectedly (exit code ${code}).`));
    });
  });
}
