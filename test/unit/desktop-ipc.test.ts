import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiResult, ProjectSummary } from '../../src/shared/api';
import { ApiEvents } from '../../src/main/api/events';
import { createHandlers, forwardAppEvents } from '../../src/main/api/handlers';
import { isAppUrl } from '../../src/main/desktop/app-location';
import { bindIpc, EVENT_CHANNEL, INVOKE_CHANNEL, type EventReceiver, type IpcMainLike } from '../../src/main/desktop/ipc';
import { Workspace } from '../../src/main/app/workspace';

const rendererDir = path.resolve('/opt/gradedesk/out/renderer');
const appUrl = pathToFileURL(path.join(rendererDir, 'index.html')).href;
const isTrusted = (url: string) => isAppUrl({ rendererDir, devServerUrl: null }, url);

type Listener = Parameters<IpcMainLike['handle']>[1];

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener) {
    if (this.handlers.has(channel)) throw new Error(`a second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  /** What the renderer's `ipcRenderer.invoke(INVOKE_CHANNEL, method, payload)` resolves to, from a frame at `url`. */
  async invoke(url: string | null, method: unknown, payload?: unknown): Promise<ApiResult<unknown>> {
    const listener = this.handlers.get(INVOKE_CHANNEL)!;
    return (await listener({ senderFrame: url === null ? null : { url } }, method, payload)) as ApiResult<unknown>;
  }
}

class FakeContents implements EventReceiver {
  readonly sent: unknown[][] = [];
  destroyed = false;
  constructor(private readonly url: string) {}
  send(channel: string, ...args: unknown[]) {
    this.sent.push([channel, ...args]);
  }
  isDestroyed() {
    return this.destroyed;
  }
  getURL() {
    return this.url;
  }
}

describe('the IPC binding', () => {
  let root: string;
  let workspace: Workspace;
  const ipcMain = new FakeIpcMain();
  const events = new ApiEvents();
  const window = new FakeContents(appUrl);
  const closed = new FakeContents(appUrl);
  const foreign = new FakeContents('https://example.org/');
  let unbind: () => void;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-ipc-'));
    workspace = Workspace.open(root);
    closed.destroyed = true;
    const handlers = createHandlers(workspace, { mode: 'desktop', version: '0.1.0' });
    forwardAppEvents(workspace, events);
    unbind = bindIpc(ipcMain, handlers, events, isTrusted, () => [window, closed, foreign]);
  });

  afterAll(async () => {
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it("refuses calls from any frame but the app's page, and logs them", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const urls = ['https://example.org/', 'file:///tmp/evil.html', appUrl.replace('index.html', 'other.html'), 'about:blank', null];
    try {
      for (const url of urls) {
        const result = await ipcMain.invoke(url, 'projects.list', {});
        expect(result, String(url)).toEqual({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/Gradedesk window/) } });
      }
      expect(warn).toHaveBeenCalledTimes(urls.length);
    } finally {
      warn.mockRestore();
    }
  });

  it('answers a real call from the app through the handlers', async () => {
    expect(await ipcMain.invoke(appUrl, 'projects.list', {})).toEqual({ ok: true, value: [] });
    const created = await ipcMain.invoke(`${appUrl}#/projects`, 'projects.create', { name: 'Screening', task: 'dr-grade' });
    expect(created.ok).toBe(true);
    const listed = (await ipcMain.invoke(appUrl, 'projects.list', {})) as ApiResult<ProjectSummary[]>;
    expect(listed.ok && listed.value.map((project) => project.name)).toEqual(['Screening']);
  });

  it('answers a malformed payload or an unknown method with bad-request', async () => {
    const malformed = await ipcMain.invoke(appUrl, 'projects.get', { projectId: 'one' });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('projectId') } });
    const extra = await ipcMain.invoke(appUrl, 'projects.list', { path: '/etc/passwd' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const unknown = await ipcMain.invoke(appUrl, 'fs.readFile', { path: '/etc/passwd' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it("keeps a user-facing error's code", async () => {
    expect(await ipcMain.invoke(appUrl, 'projects.get', { projectId: 9999 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it("pushes every event to the app's open windows only", () => {
    window.sent.length = 0;
    events.emit('menu.command', { command: 'edit.undo' });
    expect(window.sent).toEqual([[EVENT_CHANNEL, 'menu.command', { command: 'edit.undo' }]]);
    expect(closed.sent).toEqual([]);
    expect(foreign.sent).toEqual([]);
  });

  it('pushes the data changes a call makes', async () => {
    window.sent.length = 0;
    await ipcMain.invoke(appUrl, 'projects.create', { name: 'Dermoscopy', task: 'multiclass', classes: ['naevus', 'melanoma'] });
    expect(window.sent).toEqual([[EVENT_CHANNEL, 'data.changed', expect.objectContaining({ what: 'projects' })]]);
  });

  it('unbinds: the handler is removed and events stop', () => {
    unbind();
    expect(ipcMain.handlers.has(INVOKE_CHANNEL)).toBe(false);
    window.sent.length = 0;
    events.emit('menu.command', { command: 'view.library' });
    expect(window.sent).toEqual([]);
  });
});
