/**
 * How the renderer reaches main: through the preload's `window.gradedesk` in the desktop app, or over
 * HTTP and a WebSocket to the loopback bridge in browser mode. Both carry the same api table.
 */
import type { ApiResult, EventName, Events, MediaKind } from '../../../shared/api';
import type { SignInState } from '../../../shared/people';

export interface Transport {
  invoke(method: string, payload: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: (event: EventName, payload: Events[EventName]) => void): () => void;
  mediaUrl(kind: MediaKind, imageId: number): string;
  /** Whether people sign in here (a team server) and who is signed in; the desktop app never signs in. */
  signInState(): Promise<SignInState>;
  signIn(name: string, password: string): Promise<ApiResult<SignInState>>;
  signOut(): Promise<void>;
}

const ONE_PERSON: SignInState = { team: false, person: null };

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
    signInState: async () => ONE_PERSON,
    signIn: async () => ({ ok: false, error: { code: 'unsupported', message: 'The desktop app chooses the reader; nobody signs in.' } }),
    signOut: async () => {},
  };
}

/** A JSON POST to the bridge, answered with its ApiResult (or the network failure, in words). */
async function post<T>(route: string, payload: unknown): Promise<{ status: number; result: ApiResult<T> }> {
  try {
    const response = await fetch(route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload ?? {}) });
    return { status: response.status, result: (await response.json()) as ApiResult<T> };
  } catch (error) {
    return { status: 0, result: { ok: false, error: { code: 'internal', message: `Gradedesk is not reachable (${(error as Error).message}).` } } };
  }
}

/**
 * Browser mode: the bridge set an HttpOnly session cookie when the tokened link was opened, or when the
 * person signed in (team mode). A team session that ends (signed out elsewhere, revoked, expired) brings
 * the sign-in screen back.
 */
function browserTransport(): Transport {
  let team = false;
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
      const { status, result } = await post<unknown>(`/api/${encodeURIComponent(method)}`, payload);
      if (status === 401 && team) window.location.assign('/');
      return result;
    },
    subscribe(listener) {
      if (!socket) connect();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    mediaUrl: (kind, imageId) => `/media/${kind}/${imageId}`,
    async signInState() {
      const response = await fetch('/session');
      const result = (await response.json()) as ApiResult<SignInState>;
      if (!result.ok) throw new Error(result.error.message);
      team = result.value.team;
      return result.value;
    },
    async signIn(name, password) {
      return (await post<SignInState>('/session/sign-in', { name, password })).result;
    },
    async signOut() {
      await post('/session/sign-out', {});
    },
  };
}

export const transport: Transport = window.gradedesk ? desktopTransport(window.gradedesk) : browserTransport();
