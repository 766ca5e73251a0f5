import type { ApiResult } from '../../shared/api';
import { dispatch } from '../api/dispatch';
import type { ApiEvents } from '../api/events';
import type { Handlers } from '../api/handlers';

/** The channels shared with the preload (src/preload/index.ts). */
export const INVOKE_CHANNEL = 'gradedesk:invoke';
export const EVENT_CHANNEL = 'gradedesk:event';

/** The parts of Electron's ipcMain that the binding uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** A window's web contents, as far as pushing events to it goes. */
export interface EventReceiver {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  getURL(): string;
}

const refused: ApiResult<never> = {
  ok: false,
  error: { code: 'bad-request', message: 'Calls are accepted only from the Gradedesk window.' },
};

/**
 * Carries the api table over IPC: each `gradedesk:invoke` from the app's own page runs through
 * `dispatch` (which validates the payload), calls from any other frame are refused, and every
 * ApiEvents event is pushed to the app's windows. Returns the function that undoes the binding.
 */
export function bindIpc(
  ipcMain: IpcMainLike,
  handlers: Handlers,
  events: ApiEvents,
  isTrustedSender: (url: string) => boolean,
  windows: () => Iterable<EventReceiver>,
): () => void {
  ipcMain.handle(INVOKE_CHANNEL, (event, method: unknown, payload: unknown) => {
    const url = event.senderFrame?.url;
    if (url === undefined || !isTrustedSender(url)) {
      console.warn(`gradedesk: refused a call from ${url ?? 'a closed frame'}`);
      return refused;
    }
    return dispatch(handlers, method, payload);
  });
  const unsubscribe = events.onAny((name, payload) => {
    for (const contents of windows()) {
      if (!contents.isDestroyed() && isTrustedSender(contents.getURL())) contents.send(EVENT_CHANNEL, name, payload);
    }
  });
  return () => {
    ipcMain.removeHandler(INVOKE_CHANNEL);
    unsubscribe();
  };
}
