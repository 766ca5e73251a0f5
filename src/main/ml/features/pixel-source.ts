// Where model-ready pixels come from: the cache, or for images not cached yet, preprocessing on the
// calling thread or on a pool of worker threads (one per core) that decodes, preprocesses and caches
// several images at once while the backbone works on the current batch.
import os from 'node:os';
import type { Piscina } from 'piscina';
import { createWorkerPool } from '../../jobs/worker-pool';
import { cachedModelReadyPixels, modelReadyPixels, type Preprocessor } from './preprocessing';
import type { PixelTask } from './pixel-worker';

export interface PixelSource {
  /** Images prepared at the same time when asked to. */
  readonly parallel: number;
  modelReadyPixels(cacheDir: string, preprocessor: Preprocessor, size: number, image: { path: string; sha256: string }): Promise<Buffer>;
  close(): Promise<void>;
}

/** Preprocessing on the calling thread; sharp's work still runs on libuv's threads. */
export const inThreadPixels: PixelSource = {
  parallel: 1,
  modelReadyPixels,
  close: async () => {},
};

/** Preprocessing on a pool of worker threads (started on first use, one per core by default). */
export class PixelPool implements PixelSource {
  private pool: Piscina<PixelTask, Uint8Array> | null = null;

  constructor(
    private readonly workerScript: string,
    readonly parallel = os.availableParallelism(),
  ) {}

  async modelReadyPixels(cacheDir: string, preprocessor: Preprocessor, size: number, image: { path: string; sha256: string }): Promise<Buffer> {
    const cached = await cachedModelReadyPixels(cacheDir, preprocessor, size, image.sha256);
    if (cached) return cached;
    this.pool ??= createWorkerPool(this.workerScript, this.parallel);
    const task: PixelTask = { cacheDir, preprocessorId: preprocessor.id, size, image: { path: image.path, sha256: image.sha256 } };
    const bytes = await this.pool.run(task);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Ends the workers once the images they are working on are cached (no file cut short); queued ones are dropped. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.close({ force: true });
  }
}
