// Worker-thread entry of the pixel pool: one image's model-ready pixels per task, cached by the worker
// and handed back without a copy.
import os from 'node:os';
import { move } from 'piscina';
import sharp from 'sharp';
import { libuvThreadPool } from '../../util/thread-pool';
import { makeModelReadyPixels, preprocessorById } from './preprocessing';

// The JavaScript steps run on each worker's own thread, but sharp's pipelines run on libuv's thread pool,
// which every thread of the process shares (UV_THREADPOOL_SIZE: one per core from bin/thread-pool.cjs, else
// Node's 4). So at most that many images are in libvips at once, whatever the number of workers: give each
// of them enough libvips threads (a setting of the whole process) to cover the cores, and no more.
sharp.concurrency(Math.max(1, Math.round(os.availableParallelism() / libuvThreadPool().size)));
sharp.cache(false);

export interface PixelTask {
  cacheDir: string;
  preprocessorId: string;
  size: number;
  image: { path: string; sha256: string };
}

export default async function prepareModelInput(task: PixelTask): Promise<Uint8Array> {
  const pixels = await makeModelReadyPixels(task.cacheDir, preprocessorById(task.preprocessorId), task.size, task.image);
  return move(ownedBytes(pixels)) as Uint8Array;
}

/**
 * Bytes that own their whole ArrayBuffer, so it can be transferred: a Buffer may be a slice of
 * Node's shared pool or memory that libvips owns, and neither can be moved to another thread.
 */
function ownedBytes(pixels: Buffer): Uint8Array {
  const bytes = new Uint8Array(pixels.length);
  bytes.set(pixels);
  return bytes;
}
