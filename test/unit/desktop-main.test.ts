/**
 * The Electron entry (src/main/index.ts) against a stand-in for the electron module: Electron itself
 * cannot run on this machine, so this checks the order and the wiring of the real entry.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiResult, AppInfo } from '../../src/shared/api';

const fake = vi.hoisted(() => {
  const appListeners = new Map<string, (...args: any[]) => void>();
  let ready!: () => void;
  const whenReady = new Promise<void>((resolve) => (ready = resolve));
  const state = {
    isReady: false,
    quits: 0,
    schemesRegisteredBeforeReady: null as boolean | null,
    schemes: [] as unknown[],
    protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
    ipcHandlers: new Map<string, (...args: any[]) => unknown>(),
    menu: null as unknown,
    windows: [] as FakeWindow[],
    errorBoxes: [] as string[],
    sessionHooks: [] as string[],
    /** Sessions asked for by partition, and the request gates set on them. */
    partitions: [] as string[],
    partitionGates: 0,
  };
  class FakeWindow {
    loaded: string | null = null;
    readonly listeners = new Map<string, () => void>();
    readonly webContents = { sent: [] as unknown[][], send: (...args: unknown[]) => this.webContents.sent.push(args), isDestroyed: () => false, getURL: () => this.loaded ?? '' };
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      state.windows.push(this);
    }
    static getAllWindows = () => state.windows;
    static getFocusedWindow = () => state.windows[0] ?? null;
    once(event: string, listener: () => void) {
      this.listeners.set(event, listener);
    }
    show() {}
    async loadURL(url: string) {
      this.loaded = url;
    }
  }
  const electron = {
    app: {
      isPackaged: false,
      getPath: (name: string) => `/nonexistent/${name}`,
      getVersion: () => '0.1.0',
      requestSingleInstanceLock: () => true,
      on: (event: string, listener: (...args: any[]) => void) => appListeners.set(event, listener),
      whenReady: () => whenReady,
      isReady: () => state.isReady,
      quit: () => state.quits++,
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => {
        state.schemesRegisteredBeforeReady = !state.isReady;
        state.schemes.push(...schemes);
      },
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => state.protocolHandlers.set(scheme, handler),
    },
    ipcMain: {
      handle: (channel: string, listener: (...args: any[]) => unknown) => state.ipcHandlers.set(channel, listener),
      removeHandler: (channel: string) => state.ipcHandlers.delete(channel),
    },
    Menu: { buildFromTemplate: (template: unknown) => template, setApplicationMenu: (menu: unknown) => (state.menu = menu) },
    BrowserWindow: FakeWindow,
    dialog: {
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showErrorBox: (title: string) => state.errorBoxes.push(title),
    },
    session: {
      fromPartition: (partition: string) => {
        state.partitions.push(partition);
        return { webRequest: { onBeforeRequest: () => state.partitionGates++ } };
      },
      defaultSession: {
        setPermissionRequestHandler: () => state.sessionHooks.push('permission request'),
        setPermissionCheckHandler: () => state.sessionHooks.push('permission check'),
        webRequest: {
          onBeforeRequest: () => state.sessionHooks.push('before request'),
          onHeadersReceived: () => state.sessionHooks.push('headers received'),
        },
      },
    },
  };
  const becomeReady = async () => {
    state.isReady = true;
    ready();
    await whenReady;
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { electron, state, appListeners, becomeReady };
});

vi.mock('electron', () => fake.electron);

describe('the Electron entry', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-main-'));
    vi.stubEnv('GRADEDESK_DATA', dataDir);
    await import('../../src/main/index');
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('registers the gradedesk scheme as privileged before ready', () => {
    expect(fake.state.schemesRegisteredBeforeReady).toBe(true);
    expect(fake.state.schemes).toEqual([
      { scheme: 'gradedesk', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false } },
    ]);
  });

  it('takes the single-instance lock and hardens every web contents before ready', () => {
    expect([...fake.appListeners.keys()]).toEqual(expect.arrayContaining(['second-instance', 'web-contents-created', 'window-all-closed']));
    expect(fake.state.windows).toHaveLength(0);
  });

  it('once ready, hardens the session, binds IPC and the protocol, sets the menu and opens the window', async () => {
    await fake.becomeReady();
    expect(fake.state.errorBoxes).toEqual([]);
    expect(fake.state.sessionHooks).toEqual(['permission request', 'permission check', 'before request', 'headers received']);
    // The report's PDF is printed in a session of its own, gated too.
    expect(fake.state.partitions).toEqual(['gradedesk-report-print']);
    expect(fake.state.partitionGates).toBe(1);
    expect([...fake.state.ipcHandlers.keys()]).toEqual(['gradedesk:invoke']);
    expect([...fake.state.protocolHandlers.keys()]).toEqual(['gradedesk']);
    expect(fake.state.menu).toEqual(expect.arrayContaining([expect.objectContaining({ label: '&File' })]));
    const [window] = fake.state.windows;
    expect(window!.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(window!.options.webPreferences.preload).toMatch(/preload[\\/]index\.cjs$/);
    expect(window!.loaded).toMatch(/^file:.*\/renderer\/index\.html$/);
    expect(window!.listeners.has('ready-to-show')).toBe(true);
  });

  it('answers the window over IPC from the data folder of GRADEDESK_DATA, in desktop mode with pickers', async () => {
    const [window] = fake.state.windows;
    const invoke = fake.state.ipcHandlers.get('gradedesk:invoke')!;
    const info = (await invoke({ senderFrame: { url: window!.loaded } }, 'app.info', {})) as ApiResult<AppInfo>;
    expect(info).toEqual({ ok: true, value: { mode: 'desktop', version: '0.1.0', dataDir: path.resolve(dataDir), canPickFiles: true } });
    expect(await invoke({ senderFrame: { url: window!.loaded } }, 'dialogs.pickFolder', {})).toEqual({ ok: true, value: null });
  });

  it('sends menu commands to the window as menu.command events', () => {
    const [window] = fake.state.windows;
    const file = (fake.state.menu as Array<{ label: string; submenu: Array<{ label?: string; click?: () => void }> }>)[0]!;
    file.submenu.find((item) => item.label === 'Import folder…')!.click!();
    expect(window!.webContents.sent).toContainEqual(['gradedesk:event', 'menu.command', { command: 'project.import' }]);
  });

  it('serves media by id through the protocol', async () => {
    const handler = fake.state.protocolHandlers.get('gradedesk')!;
    expect((await handler(new Request('gradedesk://media/thumbnail/1'))).status).toBe(404);
  });

  it('closes the workspace before quitting', async () => {
    let held = false;
    fake.appListeners.get('will-quit')!({ preventDefault: () => (held = true) });
    expect(held).toBe(true);
    await vi.waitFor(() => expect(fake.state.quits).toBe(1));
  });
});
