#!/usr/bin/env node
// The `gradedesk` command runs the built CLI (`npm run build` makes it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('gradedesk: the CLI is not built yet; run `npm run build` first.\n');
  process.exit(1);
}
await import(cli);
