// Where fine-tuning may run, and the split backbone a fine-tuned model trains and predicts with.
import type { TaskKind } from '../../../../shared/domain';
import type { BackendInfo, TrainOptions } from '../../../../shared/ml';
import { initBackend } from '../../engine/backend';
import type { Engine } from '../../engine/engine';
import { preprocessorFor } from '../../features/preprocessing';
import type { ActivationContext } from './activations-cache';
import { splitBackbone } from './split-backbone';
import { fineTuneBatchSize } from './batch-size';
import { DEFAULT_PIXEL_AUGMENTATION, type PixelAugmentation } from './pixel-augmentation';

/**
 * Fine-tuning runs where the backend offers it (a GPU through WebGPU or CUDA, or native TensorFlow). The pure-JavaScript cpu
 * backend has every gradient kernel but takes seconds per batch even at 96 px, so it is not offered;
 * GRADEDESK_FINE_TUNE_ON_CPU=1 allows it on cpu anyway, for tests on machines without a native backend.
 * wasm has no convolution gradients at all.
 */
export function fineTuneAvailable(backend: BackendInfo, env: NodeJS.ProcessEnv = process.env): boolean {
  return backend.strategies.includes('fine-tune') || (backend.backend === 'cpu' && env.GRADEDESK_FINE_TUNE_ON_CPU === '1');
}

/** The model's backbone split below its top `unfreezeBlocks` blocks, with the task's preprocessing. */
export async function activationContext(
  engine: Engine,
  options: Pick<TrainOptions, 'backboneId' | 'inputSize' | 'unfreezeBlocks'>,
  taskKind: TaskKind,
): Promise<ActivationContext> {
  await initBackend();
  const backbone = engine.backbones.get(options.backboneId);
  const split = await splitBackbone(backbone, await engine.backbones.modelJsonPath(backbone), options.inputSize, options.unfreezeBlocks);
  return { cacheDir: engine.cacheDir, preprocessor: preprocessorFor(taskKind), split, pixels: engine.pixels };
}

/** How a fine-tuning run trains on this backend. */
export interface FineTunePlan {
  /** The chosen batch, lowered to what one WebGPU binding holds. */
  batchSize: number;
  /** Pixels augmented afresh at every step on a GPU; elsewhere the cached views serve, since the lower backbone would run at every step. */
  pixelAugmentation: PixelAugmentation | null;
}

export function fineTunePlan(backend: BackendInfo, options: Pick<TrainOptions, 'batchSize' | 'inputSize'>): FineTunePlan {
  const onGpu = backend.backend === 'webgpu' || backend.backend === 'tensorflow-gpu';
  const batchSize = backend.backend === 'webgpu' && backend.adapter ? Math.min(options.batchSize, fineTuneBatchSize(backend.adapter, options.inputSize)) : options.batchSize;
  return { batchSize, pixelAugmentation: onGpu ? DEFAULT_PIXEL_AUGMENTATION : null };
}
