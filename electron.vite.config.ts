import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

/**
 * - main: the Electron entry, the CLI, the browser bridge and the benchmarks share one build; worker
 *   threads (imported with `?modulePath`) become bundles of their own. Dependencies stay external:
 *   native modules (better-sqlite3, sharp) load from node_modules, rebuilt for Electron at packaging.
 * - preload: one CommonJS file, as Electron requires for a sandboxed preload.
 * - renderer: the Svelte app, served by Electron from disk and by the bridge in browser mode.
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
        // The benchmarks drive Chromium with Playwright (a development dependency, never bundled).
        external: ['@playwright/test'],
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [svelte()],
    build: {
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
