import http, { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import sirv from 'sirv';
import { conflict, GradedeskError, invalid } from '../../shared/errors';
import { ApiEvents } from '../api/events';
import { watchExternalChanges } from '../api/external-changes';
import { BLINDNESS_GUARD, createHandlers, forwardAppEvents } from '../api/handlers';
import { MODEL_MEDIA_KINDS } from '../../shared/api';
import { storageFailure } from '../store/failures';
import type { Workspace } from '../app/workspace';
import { serveApiCall } from './api-route';
import type { Person } from '../../shared/people';
import { peopleOperations } from '../app/people';
import { isAuthorized, newToken, sameToken } from './auth';
import { sessionCookie } from './cookies';
import { EventsSocket } from './events-socket';
import { allowedHosts, displayHost, hostPort } from './hosts';
import { parseMediaPath, serveMedia } from './media-route';
import { SECURITY_HEADERS, sendJson, sendText, statusOf } from './responses';
import type { SignInLimiter } from './sign-in-limiter';
import { TeamSessions } from './team-sessions';

export interface BridgeOptions {
  workspace: Workspace;
  /** Loopback unless the caller explicitly asks for another address. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** The single token (random unless given); not used in team mode. */
  token?: string;
  version: string;
  /**
   * Team mode: each person signs in with their password or a personal link, and every call is made as
   * them. Default: on when someone in the data directory has a password (see `gradedesk user add`).
   */
  team?: boolean;
  /** Serve HTTPS with this certificate and private key (PEM); plain HTTP otherwise. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Team mode's count of failed sign-ins (tests pass their own clock). */
  signInLimiter?: SignInLimiter;
}

export interface Bridge {
  /** The link to open: the origin, with `?token=` in single-token mode (the bridge swaps it for a session cookie). */
  url: string;
  origin: string;
  /** The single token; null in team mode, where people sign in. */
  token: string | null;
  team: boolean;
  /** Closes connections and the server; the workspace stays open. */
  close(): Promise<void>;
}

interface Refusal {
  status: 401 | 403;
  message: string;
}

const OTHER_PAGES = 'Requests from other web pages are refused.';

/**
 * Fetch metadata (`Sec-Fetch-Site`), which browsers send and pages cannot forge: media and calls answer
 * the app's own pages (same-origin) and what a person opens directly (none). A page on another port of
 * 127.0.0.1 is "same-site" and carries the SameSite cookie, so it is refused with the cross-site ones.
 * Clients other than browsers send no such header; they still need the token.
 */
function fromOwnPagesOrDirect(request: IncomingMessage): boolean {
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

const NEEDS_LINK = 'Open Gradedesk with the link that `gradedesk serve` printed; it carries the access token.';
const NEEDS_SIGN_IN = 'Sign in to Gradedesk first (your session has ended, or you have not signed in).';

/** Who a request comes from: a signed-in person (team mode), the holder of the single token, or nobody. */
type Caller = { person?: Person } | null;

/**
 * Browser mode: the api table over HTTP or HTTPS (`POST /api/<method>`), media by image id
 * (`GET /media/<kind>/<id>`), events over a WebSocket (`/events`) and the built renderer. Single-token
 * mode (one person on one machine) puts everything behind one token; team mode behind each person's
 * session (`/session…`, see TeamSessions). Host and Origin checks keep other web pages out (DNS
 * rebinding, cross-site requests).
 */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const { workspace } = options;
  const host = options.host ?? '127.0.0.1';
  const people = peopleOperations(workspace);
  const team = options.team ?? people.teamByDefault();
  const token = team ? null : (options.token ?? newToken());
  const scheme = options.tls ? 'https' : 'http';
  const sessions = team ? new TeamSessions(people, Boolean(options.tls), options.signInLimiter) : null;
  /** The caller of a request, checked on every request (a signed-out or disabled person's cookie stops at once). */
  const callerOf = (request: IncomingMessage): Caller => {
    if (sessions) {
      const person = sessions.personOf(request);
      return person ? { person } : null;
    }
    return isAuthorized(request, token!) ? {} : null;
  };
  const notAllowed = team ? NEEDS_SIGN_IN : NEEDS_LINK;
  const events = new ApiEvents();
  const handlers = createHandlers(workspace, { mode: 'browser', version: options.version });
  const stopForwardingApp = forwardAppEvents(workspace, events);
  const stopWatchingOthers = watchExternalChanges(workspace, events);
  const eventsSocket = new EventsSocket(events);
  const renderer = sirv(options.rendererDir, {
    single: true,
    etag: true,
    setHeaders: (response, pathname) =>
      // Vite names built assets by content hash; index.html must always be revalidated.
      response.setHeader('Cache-Control', pathname.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-cache'),
  });
  let hosts: () => Set<string> = () => new Set();

  /** Why a request is refused before it reaches any route, or null. */
  const refusal = (request: IncomingMessage, unsafe: boolean): Refusal | null => {
    const requestHost = request.headers.host?.toLowerCase();
    if (!requestHost || !hosts().has(requestHost)) {
      return { status: 403, message: `Gradedesk does not answer to the address "${request.headers.host ?? ''}".` };
    }
    const { origin } = request.headers;
    if (unsafe && origin !== undefined && origin.toLowerCase() !== `${scheme}://${requestHost}`) {
      return { status: 403, message: OTHER_PAGES };
    }
    return null;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    const url = parseUrl(request.url);
    if (!url) return sendText(response, 400, 'Malformed request address.');
    const route = routeOf(url.pathname);
    const reply = (status: number, message: string, headers?: Record<string, string>) =>
      route.kind === 'api'
        ? sendJson(response, status, { ok: false, error: { code: 'bad-request', message } }, headers)
        : sendText(response, status, message, headers);

    const refused = refusal(request, request.method !== 'GET' && request.method !== 'HEAD');
    if (refused) return reply(refused.status, refused.message);
    if (route.kind !== 'renderer' && route.kind !== 'events' && !fromOwnPagesOrDirect(request)) return reply(403, OTHER_PAGES);
    if (route.kind === 'session') {
      if (sessions) return sessions.serve(route.rest, url, request, response);
      // Single-token mode: the page asks whether to show a sign-in screen; nobody signs in here.
      if (route.rest === '' && request.method === 'GET') return sendJson(response, 200, { ok: true, value: { team: false, person: null } });
      return reply(404, 'Nobody signs in here: this Gradedesk is opened with the link `gradedesk serve` printed.');
    }
    const linkToken = url.searchParams.get('token');
    if (token !== null && url.pathname === '/' && linkToken !== null && request.method === 'GET') {
      if (!sameToken(linkToken, token)) return reply(401, `This link's access token is not valid. ${NEEDS_LINK}`);
      response.writeHead(303, { Location: '/', 'Set-Cookie': sessionCookie(token), 'Cache-Control': 'no-store' });
      return void response.end();
    }
    // In team mode the page itself is public (it shows the sign-in screen); everything it reads needs a session.
    const caller = team && route.kind === 'renderer' ? {} : callerOf(request);
    if (!caller) return reply(401, notAllowed, team ? {} : { 'WWW-Authenticate': 'Bearer' });

    switch (route.kind) {
      case 'api':
        return serveApiCall(handlers, route.method, request, response, caller.person);
      case 'media': {
        if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'Media are read with GET.', { Allow: 'GET, HEAD' });
        if (!route.media) return reply(404, 'There is no such image.');
        try {
          // The model's pictures of an image (Grad-CAM, its input) are its output: blind grading holds them back as gradcam.render does.
          if (caller.person && (MODEL_MEDIA_KINDS as readonly string[]).includes(route.media.kind)) {
            handlers[BLINDNESS_GUARD]?.check('gradcam.render', { imageId: route.media.imageId }, caller.person);
          }
          return await serveMedia(workspace, route.media, request, response);
        } catch (error) {
          const known = error instanceof GradedeskError ? error : storageFailure(error);
          if (!known || response.headersSent) throw error;
          return reply(statusOf({ ok: false, error: known }), known.message);
        }
      }
      case 'events':
        return reply(426, 'Events are sent over a WebSocket.', { Upgrade: 'websocket' });
      case 'renderer':
        if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'Only GET is served here.', { Allow: 'GET, HEAD' });
        return renderer(request, response);
    }
  };

  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const url = parseUrl(request.url);
    if (!url || routeOf(url.pathname).kind !== 'events') return refuseUpgrade(socket, 404, 'There is nothing to upgrade here.');
    const refused = refusal(request, true) ?? (callerOf(request) ? null : { status: 401 as const, message: notAllowed });
    if (refused) return refuseUpgrade(socket, refused.status, refused.message);
    eventsSocket.accept(request, socket, head, sessions?.liveness(request));
  };

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return void response.destroy();
      console.error(`gradedesk: ${request.method} ${request.url?.split('?')[0]} failed`, error);
      sendText(response, 500, 'Something went wrong in Gradedesk; the details are in its log.');
    });
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, answer) : http.createServer(answer);
  server.on('upgrade', upgrade);
  await listen(server, host, options.port ?? 0);
  const { port } = server.address() as AddressInfo;
  hosts = allowedHosts(host, port);
  const origin = `${scheme}://${hostPort(displayHost(host), port)}`;

  return {
    url: token === null ? `${origin}/` : `${origin}/?token=${token}`,
    origin,
    token,
    team,
    async close() {
      stopForwardingApp();
      stopWatchingOthers();
      await eventsSocket.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

type Route =
  | { kind: 'api'; method: string }
  | { kind: 'session'; rest: string }
  | { kind: 'media'; media: ReturnType<typeof parseMediaPath> }
  | { kind: 'events' }
  | { kind: 'renderer' };

function routeOf(pathname: string): Route {
  const [, top, rest = ''] = /^\/([^/]*)(?:\/(.*))?$/.exec(pathname) ?? [];
  if (top === 'api') return { kind: 'api', method: safeDecode(rest) };
  if (top === 'session') return { kind: 'session', rest };
  if (top === 'media') return { kind: 'media', media: parseMediaPath(rest) };
  if (top === 'events' && rest === '') return { kind: 'events' };
  return { kind: 'renderer' };
}

function parseUrl(target: string | undefined): URL | null {
  try {
    // Only the path and query are used; the Host header is checked separately.
    return new URL(target ?? '/', 'http://bridge.invalid');
  } catch {
    return null;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function listen(server: http.Server | https.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(conflict(`Port ${port} is already in use; choose another with --port, or leave it out for any free port.`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(invalid(`Gradedesk cannot listen on "${host}": it is not an address of this machine.`));
      else reject(error);
    };
    server.once('error', fail);
    server.listen({ host, port }, () => {
      server.off('error', fail);
      resolve();
    });
  });
}
