// Worker-thread entry of the engine's jobs: training, prediction and the learning-rate finder run
// here, on their own SQLite connection, so the app's main thread never waits on tfjs.
import { parentPort, workerData } from 'node:worker_threads';
import { GradedeskError } from '../../../shared/errors';
import type { Progress } from '../../../shared/jobs';
import { Store } from '../../store';
import { embedProject } from '../embeddings/embed';
import { createEngine } from './engine';
import { renderGradCams } from '../explain/gradcam-render';
import { findLearningRate } from '../training/lr-finder';
import { predictProject } from '../models/predict';
import { runTraining } from '../training/training-run';
import type { EngineJobKind, EngineResult, EngineTask, WorkerMessage } from './worker-protocol';

const { dataDir, task, pixelWorkerScript } = workerData as { dataDir: string; task: EngineTask; pixelWorkerScript: string };
const controller = new AbortController();
const post = (message: WorkerMessage) => parentPort!.postMessage(message);
parentPort!.on('message', (message: { type: 'cancel' }) => {
  if (message.type === 'cancel') controller.abort();
});

const store = Store.open(dataDir);
// The pixel pool's workers are started from this thread, on first use, and ended before the result is posted.
const engine = createEngine(store, dataDir, pixelWorkerScript);
const control = { signal: controller.signal, onProgress: (progress: Progress) => post({ type: 'progress', progress }) };

async function run(): Promise<EngineResult<EngineJobKind>> {
  switch (task.kind) {
    case 'training':
      return runTraining(engine, task.modelId, control);
    case 'prediction':
      return predictProject(engine, task.modelId, task.imageIds, control);
    case 'lr-finder':
      return findLearningRate(engine, store.projects.get(task.projectId), task.options, control);
    case 'gradcam':
      return renderGradCams(engine, task.modelId, task.imageIds, task.targetClass, control);
    case 'embedding':
      return embedProject(engine, task.modelId, task.request, control);
  }
}

async function runThenEndPool(): Promise<EngineResult<EngineJobKind>> {
  try {
    return await run();
  } finally {
    await engine.pixels.close();
  }
}

try {
  post({ type: 'result', value: await runThenEndPool() });
} catch (error) {
  const code = error instanceof GradedeskError ? error.code : null;
  post({ type: 'error', code, message: error instanceof Error ? error.message : String(error) });
} finally {
  store.close();
}
