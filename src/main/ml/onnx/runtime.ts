// onnxruntime-node, loaded on first use: a machine where its native library cannot load still runs
// everything else on tfjs, and `doctor` says why.
import { GradedeskError } from '../../../shared/errors';
import type { OnnxRuntimeInfo } from '../../../shared/ml';

type OnnxRuntime = typeof import('onnxruntime-node');

let loading: Promise<OnnxRuntime> | undefined;

export function loadOnnxRuntime(): Promise<OnnxRuntime> {
  loading ??= import('onnxruntime-node').catch((error: unknown) => {
    throw new GradedeskError('unsupported', `ONNX Runtime (onnxruntime-node) cannot load here: ${(error as Error).message}`);
  });
  return loading;
}

/** The execution provider frozen extraction uses. CUDA, DirectML and CoreML are not tried yet. */
export const ONNX_PROVIDER = 'cpu';

export async function onnxRuntimeInfo(): Promise<OnnxRuntimeInfo> {
  try {
    const ort = await loadOnnxRuntime();
    return { version: ort.env.versions.node ?? null, provider: ONNX_PROVIDER, providers: ort.listSupportedBackends(), reason: null };
  } catch (error) {
    return { version: null, provider: null, providers: [], reason: (error as Error).message };
  }
}
