// ONNX Runtime's execution providers: which ones Gradedesk tries on each platform, forcing one with
// GRADEDESK_ONNX_PROVIDER, and what happens here (no GPU, onnxruntime-node installed without CUDA):
// a forced provider that cannot start is a clear error, and doctor says which provider runs and why not the others.
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { doctorLines, onnxRuntimeLines } from '../../src/main/ml/engine/doctor';
import { initBackend } from '../../src/main/ml/engine/backend';
import { createOnnxSession, loadOnnxRuntime, onnxRuntimeInfo, providerPlan, PROVIDER_VARIABLE } from '../../src/main/ml/onnx/runtime';
import { encodeOnnxModel, ONNX_FLOAT, tensorValue } from '../../src/main/ml/onnx/onnx-proto';

const relu = () =>
  encodeOnnxModel({
    irVersion: 8,
    producerName: 'gradedesk-tests',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'relu', node: [{ name: 'relu', opType: 'Relu', input: ['x'], output: ['y'] }], initializer: [], input: [tensorValue('x', ONNX_FLOAT, [1, 2])], output: [tensorValue('y', ONNX_FLOAT, [1, 2])] },
  });

afterEach(() => {
  delete process.env[PROVIDER_VARIABLE];
});

describe('the provider plan', () => {
  const linuxWithoutCuda = [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }, { name: 'cuda', bundled: false }, { name: 'tensorrt', bundled: false }];

  it('tries CUDA on Linux only when its binaries are installed, DirectML on Windows, CoreML on macOS, the CPU last', () => {
    const linux = providerPlan('linux', linuxWithoutCuda, undefined);
    expect(linux.candidates).toEqual(['cpu']);
    expect(linux.skipped.find((s) => s.provider === 'cuda')?.reason).toMatch(/binaries are not installed \(reinstall onnxruntime-node with --onnxruntime-node-install=cuda12/);
    expect(linux.skipped.find((s) => s.provider === 'dml')?.reason).toBe('not built for linux');
    expect(providerPlan('linux', [{ name: 'cpu', bundled: true }, { name: 'cuda', bundled: true }], undefined).candidates).toEqual(['cuda', 'cpu']);
    expect(providerPlan('win32', [{ name: 'cpu', bundled: true }, { name: 'dml', bundled: true }, { name: 'cuda', bundled: false }], undefined).candidates).toEqual(['dml', 'cpu']);
    expect(providerPlan('darwin', [{ name: 'cpu', bundled: true }, { name: 'coreml', bundled: true }], undefined).candidates).toEqual(['coreml', 'cpu']);
  });

  it('tries only the forced provider, and refuses a name it does not know', () => {
    expect(providerPlan('linux', linuxWithoutCuda, 'cuda')).toMatchObject({ candidates: ['cuda'], forced: 'cuda' });
    expect(providerPlan('win32', [], 'DirectML')).toMatchObject({ candidates: ['dml'], forced: 'dml' });
    expect(() => providerPlan('linux', linuxWithoutCuda, 'tpu')).toThrow(/GRADEDESK_ONNX_PROVIDER=tpu is not an execution provider Gradedesk knows; use one of cuda, dml, coreml, cpu/);
  });
});

describe('sessions on this computer', () => {
  it('run on the CPU with one intra-op thread per core when nothing is forced', async () => {
    const { session, provider } = await createOnnxSession(relu());
    expect(provider).toBe('cpu');
    const ort = await loadOnnxRuntime();
    const output = await session.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 2]), [1, 2]) });
    expect(Array.from(output.y!.data as Float32Array)).toEqual([0, 2]);
    await session.release();
    const info = await onnxRuntimeInfo();
    expect(info).toMatchObject({ provider: 'cpu', forced: null, threads: os.availableParallelism(), reason: null });
    const cuda = info.providers.find((p) => p.name === 'cuda')!;
    expect(cuda.outcome).toBe('not tried');
    expect(cuda.reason).toMatch(/binaries are not installed/);
    const lines = onnxRuntimeLines(info);
    expect(lines[0]).toMatch(new RegExp(`^ONNX Runtime: onnxruntime-node ${info.version}, cpu execution provider, ${os.availableParallelism()} threads`));
    expect(lines.some((line) => /^ {2}\* cpu +running$/.test(line))).toBe(true);
  });

  it('refuse to start when a forced provider cannot, saying why and how to let Gradedesk choose; doctor says so', async () => {
    process.env[PROVIDER_VARIABLE] = 'cuda';
    await expect(createOnnxSession(relu())).rejects.toThrow(
      /^GRADEDESK_ONNX_PROVIDER=cuda asks ONNX Runtime for the CUDA execution provider, which cannot start here: its binaries are not installed.*Unset GRADEDESK_ONNX_PROVIDER to let Gradedesk choose\.$/s,
    );
    process.env[PROVIDER_VARIABLE] = 'coreml';
    await expect(createOnnxSession(relu())).rejects.toThrow(/CoreML execution provider, which cannot start here: this onnxruntime-node build does not include it/);
    const info = await onnxRuntimeInfo();
    expect(info).toMatchObject({ provider: null, forced: 'coreml' });
    expect(info.providers.find((p) => p.name === 'coreml')).toMatchObject({ outcome: 'unavailable' });
    const lines = doctorLines(await initBackend(), info);
    expect(lines.find((line) => line.startsWith('ONNX Runtime:'))).toMatch(/no execution provider starts \(forced by GRADEDESK_ONNX_PROVIDER=coreml\); frozen extraction falls back to tfjs/);
  });
});
