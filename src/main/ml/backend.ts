// Picks the fastest tfjs backend present and says which one runs. The native backends are optional
// dependencies: they install where libtensorflow can be downloaded and are simply absent elsewhere.
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo, BackendName } from '../../shared/ml';

const requirePackage = createRequire(import.meta.url);

const NATIVE_PACKAGES: ReadonlyArray<{ backend: BackendName; package: string }> = [
  { backend: 'tensorflow-gpu', package: '@tensorflow/tfjs-node-gpu' },
  { backend: 'tensorflow', package: '@tensorflow/tfjs-node' },
];

let current: Promise<BackendInfo> | null = null;

/**
 * Initialises tfjs once per thread with the fastest backend that loads: node-gpu, node, wasm (SIMD),
 * then cpu. `GRADEDESK_BACKEND` (one of the backend names) forces a choice, for benchmarks and tests.
 */
export function initBackend(preferred: BackendName | undefined = process.env.GRADEDESK_BACKEND as BackendName | undefined): Promise<BackendInfo> {
  current ??= chooseBackend(preferred);
  return current;
}

async function chooseBackend(preferred: BackendName | undefined): Promise<BackendInfo> {
  const notes: string[] = [];
  for (const native of NATIVE_PACKAGES) {
    if (preferred && preferred !== native.backend) continue;
    try {
      requirePackage(native.package); // registers the 'tensorflow' backend
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        const threads = os.availableParallelism();
        return { backend: native.backend, package: native.package, simd: null, threads, strategies: ['head', 'fine-tune'], notes };
      }
    } catch (error) {
      notes.push(`${native.package} is not installed or does not load (${firstLine(error)}).`);
    }
  }
  if (!preferred || preferred === 'wasm') {
    try {
      setWasmPaths(path.dirname(requirePackage.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
        notes.push('wasm runs on one thread in Node; it has no gradients for convolutions, so the backbone cannot be fine-tuned on it.');
        return { backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', simd, threads: 1, strategies: ['head'], notes };
      }
    } catch (error) {
      notes.push(`The wasm backend does not start (${firstLine(error)}).`);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  notes.push('The pure-JavaScript cpu backend is about 20 times slower than wasm.');
  // cpu has every gradient kernel, but a backbone step takes minutes: fine-tuning is offered only where it is affordable.
  return { backend: 'cpu', package: '@tensorflow/tfjs-backend-cpu', simd: null, threads: 1, strategies: ['head'], notes };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 160);
}

export { tf };
