import { defineConfig, type Plugin } from 'vitest/config';

/**
 * electron-vite turns `import path from './worker?modulePath'` into the path of a separately built
 * worker bundle. Under vitest the sources run directly, so the import becomes the TypeScript file's path.
 */
function modulePathFromSource(): Plugin {
  const prefix = '\0module-path:';
  return {
    name: 'gradedesk:module-path-from-source',
    enforce: 'pre',
    async resolveId(id, importer) {
      if (!id.endsWith('?modulePath')) return null;
      const resolved = await this.resolve(id.slice(0, -'?modulePath'.length), importer);
      return resolved ? prefix + resolved.id : null;
    },
    load(id) {
      return id.startsWith(prefix) ? `export default ${JSON.stringify(id.slice(prefix.length))};` : null;
    },
  };
}

export default defineConfig({
  plugins: [modulePathFromSource()],
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    // Imports decode real images and write real SQLite files: give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
