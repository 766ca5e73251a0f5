#!/usr/bin/env node
// The `gradedesk` command runs the built CLI (`npm run build` makes it), with libuv's thread pool sized first.
require('./thread-pool.cjs');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const cli = path.join(__dirname, '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('gradedesk: the CLI is not built yet; run `npm run build` first.\n');
  process.exit(1);
}
import(pathToFileURL(cli).href);
