/**
 * How the renderer reaches main: through the preload's `window.gradedesk` in the desktop app, or over
 * HTTP and a WebSocket to the loopback bridge in browser mode. Both carry the same api table.
 */
import type { ApiResult, EventName, Events, MediaKind } from '../../../shared/api';

export interface Transport {
  invoke(method: string, payload: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: (event: EventName, payload: Events[EventName]) => void): () => void;
  mediaUrl(kind: MediaKind, imageId: number): string;
}

/** What the preload exposes with contextBridge (desktop app only). */
export interface PreloadBridge {
  invoke(method: string, payload: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    gradedesk?: PreloadBridge;
  }
}

function desktopTransport(bridge: PreloadBridge): Transport {
  return {
    invoke: (method, payload) => bridge.invoke(method, payload),
    subscribe: (listener) => bridge.subscribe((event, payload) => listener(event, payload as Events[EventName])),
    mediaUrl: (kind, imageId) => `gradedesk://media/${kind}/${imageId}`,
  };
}

/** Browser mode: the bridge set an HttpOnly session cookie when the tokened link was opened. */
function browserTransport(): Transport {
  const listeners = new Set<(event: EventName, payload: Events[EventName]) => void>();
  let socket: WebSocket | null = null;
  const connect = () => {
    const url = new URL('/events', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.onmessage = (message) => {
      const { event, payload } = JSON.parse(String(message.data)) as { event: EventName; payload: Events[EventName] };
      for (const listener of listeners) listener(event, payload);
    };
    // Reconnect after the bridge restarts or the machine sleeps.
    socket.onclose = () => setTimeout(connect, 1000);
  };
  return {
    async invoke(method, payload) {
      try {
        const response = await fetch(`/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload ?? {}),
        });
        return (await response.json()) as ApiResult<unknown>;
      } catch (error) {
        return { ok: false, error: { code: 'internal', message: `Gradedesk is not reachable (${(error as Error).message}).` } };
      }
    },
    subscribe(listener) {
      if (!socket) connect();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    mediaUrl: (kind, imageId) => `/media/${kind}/${imageId}`,
  };
}

export const transport: Transport = window.gradedesk ? desktopTransport(window.gradedesk) : browserTransport();
