// What `gradedesk doctor` and the GPU benchmark print about the backend: the one that runs, the GPU
// adapter or why there is none, and each rung of the backend ladder with what it affords.
import type { BackendInfo, GpuAdapter, OnnxRuntimeInfo } from '../../../shared/ml';
import { fineTuneBatchSize } from '../training/fine-tune/batch-size';

const MiB = 1024 * 1024;

export function adapterLine(adapter: GpuAdapter): string {
  const name = [adapter.vendor, adapter.architecture, adapter.device || null, adapter.description || null].filter(Boolean).join(' · ');
  return `${name}; maxBufferSize ${Math.round(adapter.maxBufferSize / MiB)} MiB, maxStorageBufferBindingSize ${Math.round(adapter.maxStorageBufferBindingSize / MiB)} MiB`;
}

export function onnxRuntimeLine(onnx: OnnxRuntimeInfo): string {
  if (!onnx.version) return `ONNX Runtime: unavailable. ${onnx.reason ?? ''}`.trimEnd();
  const others = onnx.providers.filter((p) => p.name !== onnx.provider).map((p) => (p.bundled ? p.name : `${p.name} (not installed)`));
  return `ONNX Runtime: onnxruntime-node ${onnx.version}, ${onnx.provider} execution provider (frozen feature extraction)${others.length ? `; also known: ${others.join(', ')}` : ''}`;
}

export function doctorLines(backend: BackendInfo, onnx?: OnnxRuntimeInfo): string[] {
  const adapter = backend.adapter;
  return [
    `Backend: ${backend.backend} (${backend.package})`,
    `Threads: ${backend.threads}`,
    `SIMD: ${backend.simd === null ? 'n/a' : backend.simd ? 'yes' : 'no'}`,
    adapter ? `GPU adapter (WebGPU): ${adapterLine(adapter)}` : `GPU adapter (WebGPU): none. ${backend.adapterReason ?? ''}`.trimEnd(),
    ...(adapter ? [`Fine-tuning batch on this adapter: ${[224, 256, 384, 448, 512].map((size) => `${fineTuneBatchSize(adapter, size)} at ${size} px`).join(', ')}`] : []),
    ...(onnx ? [onnxRuntimeLine(onnx)] : []),
    `Training strategies: ${backend.strategies.map((s) => (s === 'head' ? 'head on cached features' : 'fine-tuning the backbone')).join(', ')}`,
    'Backends, fastest first:',
    ...backend.ladder.map((rung) => `  ${rung.outcome === 'running' ? '*' : ' '} ${rung.backend.padEnd(14)} ${rung.outcome.padEnd(11)} ${rung.affords}${rung.reason && rung.outcome === 'unavailable' ? `. ${rung.reason}` : ''}`),
    ...backend.notes.filter((note) => !backend.ladder.some((rung) => note.startsWith(`${rung.backend}: `))).map((note) => `Note: ${note}`),
  ];
}
