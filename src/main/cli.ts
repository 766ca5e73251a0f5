// Command-line entry: `gradedesk [--data DIR] COMMAND ... [--json]`.
import { fileURLToPath } from 'node:url';
import { runCli } from './cli/program';

// The built CLI is out/main/cli.js; the built renderer is beside it in out/renderer.
process.exitCode = await runCli(process.argv.slice(2), undefined, { rendererDir: fileURLToPath(new URL('../renderer', import.meta.url)) });
