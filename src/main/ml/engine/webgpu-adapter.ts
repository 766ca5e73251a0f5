// WebGPU in Node through Dawn (the npm package `webgpu`, which ships dawn.node for Linux, Windows and
// macOS: nothing is downloaded at install). Dawn drives Vulkan on Linux, Direct3D 12 on Windows and
// Metal on macOS, so any vendor's GPU with a current driver can serve. navigator.gpu must exist before
// @tensorflow/tfjs-backend-webgpu is loaded: the backend registers itself only where it finds one.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { GpuAdapter } from '../../../shared/ml';

export type WebGpuProbe = { adapter: GpuAdapter; reason: null } | { adapter: null; reason: string };

let probed: Promise<WebGpuProbe> | null = null;

/** Installs navigator.gpu (once per thread) and asks Dawn for a high-performance adapter. */
export function probeWebGpu(): Promise<WebGpuProbe> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<WebGpuProbe> {
  // Without the loader Dawn can only fail, and it says so on stderr from native code: ask nothing of it.
  if (process.platform === 'linux' && !vulkanLoaderPresent()) return { adapter: null, reason: noAdapterReason() };
  let gpu: GPU;
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    gpu = create([]);
    installNavigatorGpu(gpu);
  } catch (error) {
    return { adapter: null, reason: `The webgpu package (Dawn) does not load on this computer (${firstLine(error)}).` };
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { adapter: null, reason: `Dawn could not look for a GPU (${firstLine(error)}).` };
  }
  if (!adapter) return { adapter: null, reason: noAdapterReason() };
  const info = adapter.info;
  return {
    adapter: {
      vendor: info.vendor || 'unknown vendor',
      architecture: info.architecture || 'unknown architecture',
      device: info.device || '',
      description: info.description || '',
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    },
    reason: null,
  };
}

/** Node 20 has no navigator; Node 21+ and Electron have one without gpu. */
function installNavigatorGpu(gpu: GPU): void {
  const holder = globalThis as { navigator?: object };
  if (!holder.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
}

const LINUX_LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

/** Whether the Vulkan loader is where the dynamic linker looks: the usual folders, LD_LIBRARY_PATH, or the ldconfig cache. */
export function vulkanLoaderPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LINUX_LIBRARY_DIRS];
  if (dirs.some((dir) => fs.existsSync(path.join(dir, 'libvulkan.so.1')))) return true;
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    try {
      return execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('libvulkan.so.1');
    } catch {
      // not there: try the next
    }
  }
  return false;
}

/** Why Dawn found no adapter, as far as this computer shows it. */
export function noAdapterReason(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'win32') return 'Dawn found no Direct3D 12 GPU: install the current driver from your GPU vendor (NVIDIA, AMD or Intel).';
  if (platform === 'darwin') return 'Dawn found no Metal GPU on this Mac.';
  if (!vulkanLoaderPresent(env)) {
    return 'The Vulkan loader (libvulkan.so.1) is not installed: install libvulkan1 and your GPU vendor’s Vulkan driver.';
  }
  return 'Vulkan offers no GPU that WebGPU can use: install your GPU vendor’s Vulkan driver (software renderers such as lavapipe lack features WebGPU needs).';
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 160);
}
