import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  return {
    exposed: new Map<string, unknown>(),
    invoked: [] as unknown[][],
    listeners,
    emit: (channel: string, ...args: unknown[]) => listeners.get(channel)?.forEach((listener) => listener(...args)),
  };
});

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => {
      electron.invoked.push(args);
      return { ok: true, value: [] };
    },
    on: (channel: string, listener: (...args: unknown[]) => void) => {
      if (!electron.listeners.has(channel)) electron.listeners.set(channel, new Set());
      electron.listeners.get(channel)!.add(listener);
    },
    removeListener: (channel: string, listener: (...args: unknown[]) => void) => electron.listeners.get(channel)?.delete(listener),
  },
}));

interface Bridge {
  invoke(method: string, payload: unknown): Promise<unknown>;
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
}

describe('the preload bridge', () => {
  let bridge: Bridge;

  beforeAll(async () => {
    await import('../../src/preload/index');
    bridge = electron.exposed.get('gradedesk') as Bridge;
  });

  it('exposes window.gradedesk with invoke and subscribe, and nothing else', () => {
    expect([...electron.exposed.keys()]).toEqual(['gradedesk']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'subscribe']);
  });

  it('invokes the api over the gradedesk:invoke channel', async () => {
    expect(await bridge.invoke('projects.list', {})).toEqual({ ok: true, value: [] });
    expect(electron.invoked).toEqual([['gradedesk:invoke', 'projects.list', {}]]);
  });

  it('passes events on without the IPC event object, until unsubscribed', () => {
    const received: unknown[][] = [];
    const unsubscribe = bridge.subscribe((...args) => received.push(args));
    const ipcEvent = { sender: 'ipcRenderer itself' };
    electron.emit('gradedesk:event', ipcEvent, 'menu.command', { command: 'view.review' });
    expect(received).toEqual([['menu.command', { command: 'view.review' }]]);
    unsubscribe();
    electron.emit('gradedesk:event', ipcEvent, 'menu.command', { command: 'view.review' });
    expect(received).toHaveLength(1);
    expect(electron.listeners.get('gradedesk:event')?.size).toBe(0);
  });

  it('imports nothing at run time but electron (a sandboxed preload cannot load modules)', async () => {
    const source = await readFile(new URL('../../src/preload/index.ts', import.meta.url), 'utf8');
    const runtimeImports = [...source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gm)].map((match) => match[1]);
    expect(runtimeImports).toEqual(['electron']);
  });
});
