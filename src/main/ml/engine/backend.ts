// Picks the fastest tfjs backend present and says which one runs, and why each faster one does not.
// The ladder: native TensorFlow with CUDA, WebGPU (Dawn, any vendor's GPU), native TensorFlow on the
// processor, WebAssembly, plain JavaScript. The native ones are optional dependencies that install only
// where libtensorflow can be downloaded; WebGPU needs a GPU and its driver (Vulkan, D3D12 or Metal).
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { GradedeskError } from '../../../shared/errors';
import { BACKEND_LADDER, type BackendInfo, type BackendName, type BackendRung, type GpuAdapter, type TrainingStrategy } from '../../../shared/ml';
import { probeWebGpu } from './webgpu-adapter';

const requirePackage = createRequire(import.meta.url);

export const BACKEND_PACKAGES: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

const AFFORDS: Record<BackendName, string> = {
  'tensorflow-gpu': 'fine-tuning and extraction on an NVIDIA GPU (CUDA 11.2 and cuDNN 8, Linux only)',
  webgpu: 'fine-tuning and extraction on any vendor’s GPU (Vulkan, Direct3D 12 or Metal)',
  tensorflow: 'fine-tuning at small sizes and extraction on every processor core',
  wasm: 'head training and extraction on one processor thread (no convolution gradients)',
  cpu: 'head training only; about 20 times slower than wasm',
};

const STRATEGIES: Record<BackendName, TrainingStrategy[]> = {
  'tensorflow-gpu': ['head', 'fine-tune'],
  webgpu: ['head', 'fine-tune'],
  tensorflow: ['head', 'fine-tune'],
  wasm: ['head'],
  // cpu has every gradient kernel, but a backbone step takes minutes: fine-tuning is offered only where it is affordable.
  cpu: ['head'],
};

let current: Promise<BackendInfo> | null = null;

/**
 * Initialises tfjs once per thread with the fastest backend that loads. `GRADEDESK_BACKEND` (one of the
 * backend names) forces a choice; when the forced one cannot load, this fails with the reason.
 */
export function initBackend(preferred: string | undefined = process.env.GRADEDESK_BACKEND || undefined): Promise<BackendInfo> {
  current ??= chooseBackend(preferred);
  return current;
}

type Attempt = { ok: true; simd?: boolean; threads?: number } | { ok: false; reason: string };

/** Climbs the ladder afresh (initBackend does it once per thread). */
export async function chooseBackend(preferred: string | undefined): Promise<BackendInfo> {
  if (preferred !== undefined && !BACKEND_LADDER.includes(preferred as BackendName)) {
    throw new GradedeskError('invalid', `GRADEDESK_BACKEND is "${preferred}"; use one of ${BACKEND_LADDER.join(', ')}.`);
  }
  const ladder: BackendRung[] = [];
  let adapter: GpuAdapter | null = null;
  let adapterReason: string | null = preferred && preferred !== 'webgpu' ? `Not looked for: GRADEDESK_BACKEND chose ${preferred}.` : null;
  const attempts: Record<BackendName, () => Promise<Attempt>> = {
    'tensorflow-gpu': () => tryNative('@tensorflow/tfjs-node-gpu'),
    webgpu: async () => {
      const probe = await probeWebGpu();
      adapter = probe.adapter;
      adapterReason = probe.reason;
      if (!probe.adapter) return { ok: false, reason: probe.reason };
      return tryWebGpu();
    },
    tensorflow: () => tryNative('@tensorflow/tfjs-node'),
    wasm: tryWasm,
    cpu: async () => ((await tf.setBackend('cpu')) ? { ok: true } : { ok: false, reason: 'The cpu backend did not start.' }),
  };
  let chosen: { backend: BackendName; attempt: Attempt & { ok: true } } | null = null;
  for (const backend of BACKEND_LADDER) {
    const rung = { backend, package: BACKEND_PACKAGES[backend], affords: AFFORDS[backend] };
    if (chosen || (preferred && preferred !== backend)) {
      ladder.push({ ...rung, outcome: 'not tried', reason: chosen ? `${chosen.backend} runs.` : `GRADEDESK_BACKEND chose ${preferred}.` });
      continue;
    }
    const attempt = await attempts[backend]();
    if (attempt.ok) {
      await tf.ready();
      chosen = { backend, attempt };
      ladder.push({ ...rung, outcome: 'running', reason: null });
    } else {
      ladder.push({ ...rung, outcome: 'unavailable', reason: attempt.reason });
      if (preferred) throw new GradedeskError('unsupported', `GRADEDESK_BACKEND asks for ${preferred}, which cannot run here: ${attempt.reason}`);
    }
  }
  if (!chosen) throw new GradedeskError('unsupported', 'No tfjs backend starts on this computer.');
  const notes = ladder.filter((rung) => rung.outcome === 'unavailable').map((rung) => `${rung.backend}: ${rung.reason}`);
  if (chosen.backend === 'wasm') notes.push('wasm runs on one thread in Node; it has no gradients for convolutions, so the backbone cannot be fine-tuned on it.');
  if (chosen.backend === 'cpu') notes.push('The pure-JavaScript cpu backend is about 20 times slower than wasm.');
  return {
    backend: chosen.backend,
    package: BACKEND_PACKAGES[chosen.backend],
    simd: chosen.attempt.simd ?? null,
    threads: chosen.attempt.threads ?? 1,
    strategies: STRATEGIES[chosen.backend],
    notes,
    adapter,
    adapterReason,
    ladder,
  };
}

async function tryNative(packageName: string): Promise<Attempt> {
  try {
    requirePackage(packageName); // registers the 'tensorflow' backend
    if (await tf.setBackend('tensorflow')) return { ok: true, threads: os.availableParallelism() };
    return { ok: false, reason: `${packageName} loaded but its backend did not start.` };
  } catch (error) {
    return { ok: false, reason: `${packageName} is not installed or does not load (${firstLine(error)}).` };
  }
}

async function tryWebGpu(): Promise<Attempt> {
  try {
    // Required only now: it registers 'webgpu' only if navigator.gpu exists, which probeWebGpu installed.
    requirePackage('@tensorflow/tfjs-backend-webgpu');
    if (await tf.setBackend('webgpu')) return { ok: true };
    return { ok: false, reason: 'The WebGPU backend found the GPU but could not open a device on it.' };
  } catch (error) {
    return { ok: false, reason: `The WebGPU backend does not start (${firstLine(error)}).` };
  }
}

async function tryWasm(): Promise<Attempt> {
  try {
    setWasmPaths(path.dirname(requirePackage.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      return { ok: true, simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), threads: 1 };
    }
    return { ok: false, reason: 'The wasm backend did not start.' };
  } catch (error) {
    return { ok: false, reason: `The wasm backend does not start (${firstLine(error)}).` };
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 160);
}

export { tf };
