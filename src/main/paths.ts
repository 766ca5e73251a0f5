import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'Gradedesk';

/**
 * The desktop app's user-data folder, computed the way Electron's `app.getPath('userData')` does,
 * so that the CLI and the app share one data directory without the CLI loading Electron.
 */
export function defaultDataDir(platform = process.platform, env = process.env, home = os.homedir()): string {
  if (platform === 'win32') return path.win32.join(env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', APP_NAME);
  return path.posix.join(env.XDG_CONFIG_HOME || path.posix.join(home, '.config'), APP_NAME);
}

/** `--data DIR` wins, then `GRADEDESK_DATA`, then the desktop app's folder. */
export function resolveDataDir(flag?: string, env = process.env): string {
  return path.resolve(flag || env.GRADEDESK_DATA || defaultDataDir());
}
