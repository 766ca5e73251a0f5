import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * The Electron binary, found the way the electron package finds it (path.txt names the file under
 * dist/) but without requiring the package, which would try to download a missing binary.
 */
function electronBinary(): string | null {
  const pathFile = path.join(root, 'node_modules/electron/path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(root, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;

test.skip(
  binary === null,
  'Electron binary not installed on this machine: desktop-window test skipped; main-process wiring is covered by test/unit/desktop-*.test.ts',
);
test.skip(noDisplay, 'No display (DISPLAY is not set): desktop-window test skipped; run it under xvfb-run');

test('the desktop window opens on the app with only the preload bridge', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'gradedesk-electron-'));
  const app = await electron.launch({ executablePath: binary!, args: [root, '--data', dataDir], cwd: root });
  try {
    const window = await app.firstWindow();
    await window.waitForLoadState('domcontentloaded');
    expect(await window.title()).toBe('Gradedesk');
    const exposed = await window.evaluate(() => {
      const bridge = (globalThis as { gradedesk?: object }).gradedesk;
      return {
        bridge: bridge ? Object.keys(bridge).sort() : null,
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
      };
    });
    expect(exposed).toEqual({ bridge: ['invoke', 'subscribe'], require: 'undefined', process: 'undefined' });
    const info = await window.evaluate(() =>
      (globalThis as unknown as { gradedesk: { invoke(method: string, payload: unknown): Promise<unknown> } }).gradedesk.invoke('app.info', {}),
    );
    expect(info).toMatchObject({ ok: true, value: { mode: 'desktop', dataDir, canPickFiles: true } });
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
