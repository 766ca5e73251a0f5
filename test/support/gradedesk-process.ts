import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The `gradedesk` command's entry, for tests that start it themselves (a server, say). */
export const GRADEDESK_BIN = fileURLToPath(new URL('../../bin/gradedesk.cjs', import.meta.url));

/** Whether `npm run build` has made the CLI that `bin/gradedesk.cjs` starts. */
export const cliIsBuilt = (): boolean => fs.existsSync(fileURLToPath(new URL('../../out/main/cli.js', import.meta.url)));

/** One real `gradedesk` process, as a user would start it from a terminal. */
export function gradedesk(dataDir: string, ...args: string[]): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [GRADEDESK_BIN, '--data', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
