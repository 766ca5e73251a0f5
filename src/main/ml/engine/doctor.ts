// What `gradedesk doctor` and the GPU benchmark print about the backend: the one that runs, the GPU
// adapter or why there is none, and each rung of the backend ladder with what it affords.
import type { BackendInfo, GpuAdapter, OnnxRuntimeInfo } from '../../../shared/ml';
import { fineTuneBatchSize } from '../training/fine-tune/batch-size';
import { libuvThreadPool } from '../../util/thread-pool';

const MiB = 1024 * 1024;

export function adapterLine(adapter: GpuAdapter): string {
  const name = [adapter.vendor, adapter.architecture, adapter.device || null, adapter.description || null].filter(Boolean).join(' · ');
  return `${name}; maxBufferSize ${Math.round(adapter.maxBufferSize / MiB)} MiB, maxStorageBufferBindingSize ${Math.round(adapter.maxStorageBufferBindingSize / MiB)} MiB`;
}

/** ONNX Runtime's line, then one line per execution provider: which runs, and why the others do not. */
export function onnxRuntimeLines(onnx: OnnxRuntimeInfo): string[] {
  if (!onnx.version) return [`ONNX Runtime: unavailable. ${onnx.reason ?? ''}`.trimEnd()];
  const forced = onnx.forced ? ` (forced by GRADEDESK_ONNX_PROVIDER=${onnx.forced})` : '';
  const head = onnx.provider
    ? `ONNX Runtime: onnxruntime-node ${onnx.version}, ${onnx.provider} execution provider${forced}, ${onnx.threads} threads (frozen feature extraction, ONNX backbones and imported models)`
    : `ONNX Runtime: onnxruntime-node ${onnx.version}, no execution provider starts${forced}; frozen extraction falls back to tfjs. ${onnx.reason ?? ''}`.trimEnd();
  return [head, ...onnx.providers.map((p) => `  ${p.outcome === 'running' ? '*' : ' '} ${p.name.padEnd(8)} ${p.outcome.padEnd(11)} ${p.reason ?? ''}`.trimEnd())];
}

export function doctorLines(backend: BackendInfo, onnx?: OnnxRuntimeInfo): string[] {
  const adapter = backend.adapter;
  return [
    `Backend: ${backend.backend} (${backend.package})`,
    `Threads: ${backend.threads}`,
    `SIMD: ${backend.simd === null ? 'n/a' : backend.simd ? 'yes' : 'no'}`,
    imageThreadsLine(),
    adapter ? `GPU adapter (WebGPU): ${adapterLine(adapter)}` : `GPU adapter (WebGPU): none. ${backend.adapterReason ?? ''}`.trimEnd(),
    ...(adapter ? [`Fine-tuning batch on this adapter: ${[224, 256, 384, 448, 512].map((size) => `${fineTuneBatchSize(adapter, size)} at ${size} px`).join(', ')}`] : []),
    ...(onnx ? onnxRuntimeLines(onnx) : []),
    `Training strategies: ${backend.strategies.map((s) => (s === 'head' ? 'head on cached features' : 'fine-tuning the backbone')).join(', ')}`,
    'Backends, fastest first:',
    ...backend.ladder.map((rung) => `  ${rung.outcome === 'running' ? '*' : ' '} ${rung.backend.padEnd(14)} ${rung.outcome.padEnd(11)} ${rung.affords}${rung.reason && rung.outcome === 'unavailable' ? `. ${rung.reason}` : ''}`),
    ...backend.notes.filter((note) => !backend.ladder.some((rung) => note.startsWith(`${rung.backend}: `))).map((note) => `Note: ${note}`),
  ];
}

/** How many images sharp can decode at once: libuv's thread pool, sized by bin/thread-pool.cjs (or by the user) before launch. */
export function imageThreadsLine(env: NodeJS.ProcessEnv = process.env): string {
  const { size, sized } = libuvThreadPool(env);
  return sized
    ? `Image decoding: ${size} threads (libuv's pool, UV_THREADPOOL_SIZE)`
    : "Image decoding: 4 threads (libuv's default: Gradedesk was started without bin/gradedesk.cjs, which sizes it to the cores)";
}
