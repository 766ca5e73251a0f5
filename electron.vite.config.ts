import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';

/**
 * Main-process bundles: the Electron entry, the CLI and the benchmarks share one build, and worker
 * threads (imported with `?modulePath`) become bundles of their own. Dependencies stay external:
 * native modules (better-sqlite3, sharp) must be loaded from node_modules, rebuilt for Electron at packaging.
 */
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          cli: resolve('src/main/cli.ts'),
          bench: resolve('src/main/bench.ts'),
        },
      },
    },
  },
});
