// Sizes libuv's thread pool to the machine before anything uses it. sharp decodes and resizes images on that
// pool, which every thread of the process shares (the import's and the engine's workers too), and Node gives
// it 4 threads unless UV_THREADPOOL_SIZE is set before its first use. An ES module entry is already too late
// (loading it uses the pool), hence CommonJS: required first by bin/gradedesk.cjs, or preloaded with
// `node -r ./bin/thread-pool.cjs`. A size the user set is kept.
const os = require('node:os');

/** One pool thread per core, at least Node's 4 and at most 64. */
function threadPoolSize(cores) {
  return Math.min(64, Math.max(4, cores));
}

if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = String(threadPoolSize(os.availableParallelism()));

module.exports = { threadPoolSize };
