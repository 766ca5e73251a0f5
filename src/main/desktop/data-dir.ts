import path from 'node:path';
import { resolveDataDir } from '../paths';

/** The value of `--data DIR` or `--data=DIR` on the command line, if given. */
export function dataDirFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--data') return argv[i + 1];
    if (arg.startsWith('--data=')) return arg.slice('--data='.length);
  }
  return undefined;
}

/** Like the CLI (`--data DIR`, then GRADEDESK_DATA), but defaulting to Electron's own user-data folder. */
export function desktopDataDir(argv: readonly string[], env: NodeJS.ProcessEnv, userData: string): string {
  const flag = dataDirFlag(argv);
  return flag || env.GRADEDESK_DATA ? resolveDataDir(flag, env) : path.resolve(userData);
}
