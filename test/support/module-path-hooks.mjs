// Lets a child process run the TypeScript sources (`node --import tsx --import ./test/support/module-path-hooks.mjs
// src/main/cli.ts ...`): electron-vite's `import path from './worker?modulePath'` becomes the worker's
// source path, as vitest.config.ts does for tests that run in-process.
import { register } from 'node:module';

register('./module-path-resolve.mjs', import.meta.url);
