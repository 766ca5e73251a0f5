// Runs an engine task in a worker thread and turns its messages back into a job's progress, result
// and errors. Cancelling asks the worker to stop at its next batch; what it finished is kept.
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GradedeskError } from '../../../shared/errors';
import type { JobContext } from '../../jobs/runner';
import { throttled } from '../../jobs/progress';
import pixelWorkerScript from '../features/pixel-worker?modulePath';
import engineWorkerScript from './worker?modulePath';
import type { EngineJobKind, EngineResult, EngineTask, WorkerMessage } from './worker-protocol';

/**
 * The built app runs the bundled JavaScript worker. Tests run the TypeScript source, which a worker
 * cannot take as its entry file, so it is imported from a one-line bootstrap with tsx loaded.
 */
function startWorker(script: string, workerData: unknown): Worker {
  if (!script.endsWith('.ts')) return new Worker(script, { workerData });
  const url = JSON.stringify(pathToFileURL(script).href);
  return new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${url}, ${url}));`, { eval: true, workerData });
}

export function runEngineTask<K extends EngineJobKind>(dataDir: string, task: EngineTask<K>, { signal, progress }: JobContext): Promise<EngineResult<K>> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(engineWorkerScript, { dataDir, task, pixelWorkerScript });
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
        // The worker ran this task, so its result is this kind's (structured cloning keeps no types).
        if (message.type === 'result') resolve(message.value as EngineResult<K>);
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
