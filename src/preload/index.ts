// Preload (sandboxed): exposes only a generic invoke/subscribe over the api table. Being built by the Electron-shell work.
import { contextBridge, ipcRenderer } from 'electron';

contextBridge.exposeInMainWorld('gradedesk', {
  invoke: (method: string, payload: unknown) => ipcRenderer.invoke('gradedesk:invoke', method, payload),
  subscribe: () => () => undefined,
});
