/**
 * The size of libuv's thread pool, on which sharp's pipelines run in every thread of the process: what
 * UV_THREADPOOL_SIZE said at launch (bin/thread-pool.cjs sets it to the cores), else Node's 4.
 */
export function libuvThreadPool(env: NodeJS.ProcessEnv = process.env): { size: number; sized: boolean } {
  const size = Number(env.UV_THREADPOOL_SIZE);
  return size > 0 ? { size, sized: true } : { size: 4, sized: false };
}
