import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** out/renderer, seen from out/main/bench.js or from the chunk (out/main/chunks/) a bench module is bundled into. */
export function builtRendererDir(): string {
  const dir = ['../renderer', '../../renderer']
    .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
    .find((candidate) => fs.existsSync(path.join(candidate, 'index.html')));
  if (!dir) throw new Error('The UI is not built; run `npm run build` first.');
  return dir;
}
