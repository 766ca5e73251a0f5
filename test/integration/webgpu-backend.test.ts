// The backend ladder with WebGPU (Dawn) on this machine. CI machines have no GPU adapter: the ladder
// then falls back and says why, and the tests that need an adapter are skipped with that reason.
import { describe, expect, it } from 'vitest';
import { chooseBackend, tf } from '../../src/main/ml/engine/backend';
import { doctorLines } from '../../src/main/ml/engine/doctor';
import { fineTuneBatchSize } from '../../src/main/ml/training/fine-tune/batch-size';
import { extractionBatchSize } from '../../src/main/ml/features/extraction-batch';
import { noAdapterReason, probeWebGpu } from '../../src/main/ml/engine/webgpu-adapter';
import { GradedeskError } from '../../src/shared/errors';

const probe = await probeWebGpu();
const noAdapter = probe.adapter ? null : probe.reason;

describe('the backend ladder', () => {
  it.runIf(noAdapter)('without a GPU adapter falls back past webgpu and reports why, in doctor too', async () => {
    const backend = await chooseBackend(undefined);
    expect(backend.backend).not.toBe('webgpu');
    expect(backend.adapter).toBeNull();
    expect(backend.adapterReason).toBe(noAdapter);
    const rung = backend.ladder.find((r) => r.backend === 'webgpu')!;
    expect(rung).toMatchObject({ outcome: 'unavailable', reason: noAdapter });
    expect(backend.ladder.filter((r) => r.outcome === 'running').map((r) => r.backend)).toEqual([backend.backend]);
    const doctor = doctorLines(backend).join('\n');
    expect(doctor).toContain(`GPU adapter (WebGPU): none. ${noAdapter}`);
    expect(doctor).toMatch(new RegExp(`\\* ${backend.backend} +running`));
  });

  it.runIf(noAdapter)('fails with the reason when GRADEDESK_BACKEND forces webgpu and there is no adapter', async () => {
    const error = await chooseBackend('webgpu').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradedeskError);
    expect((error as Error).message).toBe(`GRADEDESK_BACKEND asks for webgpu, which cannot run here: ${noAdapter}`);
  });

  it('refuses an unknown GRADEDESK_BACKEND in one sentence', async () => {
    await expect(chooseBackend('cuda')).rejects.toThrow('GRADEDESK_BACKEND is "cuda"; use one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu.');
  });

  it('says what to install when the Vulkan loader is missing, and what to fix when it is there', () => {
    expect(noAdapterReason('linux', { LD_LIBRARY_PATH: '' })).toMatch(/libvulkan|Vulkan driver/);
    expect(noAdapterReason('win32')).toContain('Direct3D 12');
  });

  it('sizes a fine-tuning batch to the adapter’s storage binding', () => {
    const webDefault = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
    const large = { maxStorageBufferBindingSize: 2 ** 32 - 4, maxBufferSize: 2 ** 40 };
    expect(fineTuneBatchSize(webDefault, 224)).toBe(8); // 112² × 96 × 4 B = 4.8 MB per image, 64 MB room
    expect(fineTuneBatchSize(webDefault, 448)).toBe(2);
    expect(fineTuneBatchSize(large, 448)).toBe(32);
  });

  it('extracts features in batches of 8 on the processor, 32 on a GPU or native TensorFlow, within the adapter’s binding', () => {
    const webDefault = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
    const large = { maxStorageBufferBindingSize: 2 ** 32 - 4, maxBufferSize: 2 ** 40 };
    const adapter = (limits: typeof webDefault) => ({ vendor: 'v', architecture: 'a', device: 'd', description: '', maxComputeWorkgroupStorageSize: 0, maxComputeInvocationsPerWorkgroup: 0, ...limits });
    expect(extractionBatchSize({ backend: 'wasm', adapter: null }, 224)).toBe(8);
    expect(extractionBatchSize({ backend: 'cpu', adapter: null }, 448)).toBe(8);
    expect(extractionBatchSize({ backend: 'tensorflow-gpu', adapter: null }, 448)).toBe(32);
    expect(extractionBatchSize({ backend: 'webgpu', adapter: adapter(large) }, 448)).toBe(32);
    expect(extractionBatchSize({ backend: 'webgpu', adapter: adapter(webDefault) }, 224)).toBe(8);
  });
});

const needsAdapter = `needs a WebGPU adapter (${noAdapter ?? 'present'})`;

describe.skipIf(noAdapter)(`on the GPU: ${needsAdapter}`, () => {
  it('runs tfjs on webgpu with the adapter named in doctor', async () => {
    const backend = await chooseBackend(undefined);
    expect(['tensorflow-gpu', 'webgpu']).toContain(backend.backend);
    expect(doctorLines(backend).join('\n')).toContain(`GPU adapter (WebGPU): ${probe.adapter!.vendor}`);
    const product = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()[0]);
    expect(product).toBe(64);
  });
});
