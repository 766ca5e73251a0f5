// Preload (sandboxed, built as one CommonJS file): the page's only way to main. It exposes a generic
// invoke/subscribe over the api table (the PreloadBridge of src/renderer/src/lib/transport.ts) and
// nothing else: no ipcRenderer, no Node. Imports only 'electron' (a sandboxed preload cannot load modules);
// the channel names match src/main/desktop/ipc.ts.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiResult, EventName } from '../shared/api';

contextBridge.exposeInMainWorld('gradedesk', {
  invoke(method: string, payload: unknown): Promise<ApiResult<unknown>> {
    return ipcRenderer.invoke('gradedesk:invoke', method, payload);
  },
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void {
    // The IPC event (which holds a reference to ipcRenderer) never reaches the page.
    const forward = (_event: IpcRendererEvent, name: EventName, payload: unknown) => listener(name, payload);
    ipcRenderer.on('gradedesk:event', forward);
    return () => {
      ipcRenderer.removeListener('gradedesk:event', forward);
    };
  },
});
