import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBridge, type Bridge } from '../../src/main/bridge/server';
import { Workspace } from '../../src/main/app/workspace';
import type { ApiError } from '../../src/shared/api';
import { taskSpecFor, type GridPage, type Project, type Reader } from '../../src/shared/domain';
import { writeJpeg } from '../fixtures/images';

/** An ApiResult as read off the wire. */
interface Answer {
  ok: boolean;
  value?: unknown;
  error: ApiError;
}
const answer = async (response: Response) => (await response.json()) as Answer;

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('browser-mode bridge', () => {
  let root: string;
  let workspace: Workspace;
  let project: Project;
  let reader: Reader;
  let bridge: Bridge;
  let imageIds: number[];

  const port = () => Number(new URL(bridge.origin).port);
  const bearer = () => ({ authorization: `Bearer ${bridge.token}` });
  const get = (route: string, headers: Record<string, string> = {}) =>
    fetch(`${bridge.origin}${route}`, { headers, redirect: 'manual' });
  const post = (method: string, body: unknown, headers: Record<string, string> = bearer()) =>
    fetch(`${bridge.origin}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  /** node:http rather than fetch, to send Host and Origin headers of our choosing. */
  const raw = (route: string, headers: Record<string, string>, method = 'GET', body?: string) =>
    new Promise<RawResponse>((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port: port(), path: route, method, headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
      });
      request.on('error', reject);
      request.end(body);
    });
  const eventsUrl = () => `${bridge.origin.replace(/^http/, 'ws')}/events`;
  /** The HTTP status an upgrade to /events is answered with (101 when the socket opens). */
  const upgradeStatus = (options: WebSocket.ClientOptions) =>
    new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(eventsUrl(), options);
      socket.on('unexpected-response', (request, response) => {
        resolve(response.statusCode!);
        request.destroy();
      });
      socket.on('open', () => {
        resolve(101);
        socket.close();
      });
      socket.on('error', reject);
    });
  const openEvents = (headers: Record<string, string> = bearer()) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(eventsUrl(), { headers });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  const nextEvent = (socket: WebSocket, event: string) =>
    new Promise<{ event: string; payload: Record<string, unknown> }>((resolve) => {
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(String(data));
        if (message.event !== event) return;
        socket.off('message', onMessage);
        resolve(message);
      };
      socket.on('message', onMessage);
    });

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-bridge-'));
    const folder = path.join(root, 'photos');
    await writeJpeg(path.join(folder, '10_left.jpeg'), 1, 640, 480);
    await writeJpeg(path.join(folder, '10_right.jpeg'), 2, 640, 480);
    const rendererDir = path.join(root, 'renderer');
    await fs.mkdir(path.join(rendererDir, 'assets'), { recursive: true });
    await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Gradedesk</title><script type="module" src="/assets/app.js"></script>\n');
    await fs.writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log("renderer");\n');

    workspace = Workspace.open(path.join(root, 'data'));
    project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
    reader = workspace.store.readers.ensure('Dr Okafor');
    const report = await workspace.startImport({ project, folder }).done;
    expect(report.imported).toBe(2);
    bridge = await startBridge({ workspace, rendererDir, version: '9.9.9-test' });
    const page = (await answer(await post('images.page', { projectId: project.id, offset: 0, limit: 10 }))).value as GridPage;
    imageIds = page.rows.map((row) => row.id);
  });

  afterAll(async () => {
    await bridge?.close();
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only by default', async () => {
    expect(bridge.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(bridge.url).toBe(`${bridge.origin}/?token=${bridge.token}`);
    expect(bridge.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Another loopback address reaches a server listening on every interface, but not one bound to 127.0.0.1.
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port(), '127.0.0.2');
      socket.on('connect', () => (socket.destroy(), resolve('connected')));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('refuses every route without the token, or with a wrong one', async () => {
    const thumbnail = `/media/thumbnail/${imageIds[0]}`;
    expect((await get('/')).status).toBe(401);
    expect((await get(thumbnail)).status).toBe(401);
    const api = await post('app.info', {}, {});
    expect(api.status).toBe(401);
    expect((await answer(api)).ok).toBe(false);
    expect(await upgradeStatus({})).toBe(401);

    const wrong = { authorization: 'Bearer not-the-token' };
    expect((await get('/', wrong)).status).toBe(401);
    expect((await get(thumbnail, { cookie: 'gd_session=not-the-token' })).status).toBe(401);
    expect((await post('app.info', {}, wrong)).status).toBe(401);
    expect(await upgradeStatus({ headers: wrong })).toBe(401);
    expect((await get('/?token=not-the-token')).status).toBe(401);
    expect((await get('/?token=not-the-token')).headers.get('set-cookie')).toBeNull();
  });

  it('swaps the link for an HttpOnly, SameSite=Strict session cookie and serves the page with it', async () => {
    const link = await fetch(bridge.url, { redirect: 'manual' });
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/');
    const [cookie] = link.headers.getSetCookie();
    expect(cookie).toBe(`gd_session=${bridge.token}; HttpOnly; SameSite=Strict; Path=/`);

    const session = { cookie: cookie!.split(';')[0]! };
    const index = await get('/', session);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await index.text()).toContain('<title>Gradedesk</title>');
    expect((await post('app.info', {}, session)).status).toBe(200);
    expect((await get(`/media/thumbnail/${imageIds[0]}`, session)).status).toBe(200);
    expect(await upgradeStatus({ headers: session })).toBe(101);
  });

  it('sends the CSP and the other security headers with the page and with refusals', async () => {
    for (const response of [await get('/', bearer()), await get('/')]) {
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'.*script-src 'self'/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('sends Cross-Origin-Resource-Policy: same-origin on every response, so that no other page can embed media', async () => {
    const responses = [
      await get('/', bearer()),
      await get('/'),
      await get('/assets/app.js', bearer()),
      await get(`/media/thumbnail/${imageIds[0]}`, bearer()),
      await get(`/media/thumbnail/${imageIds[0]}`),
      await get('/media/thumbnail/999999', bearer()),
      await post('app.info', {}),
      await post('images.get', { imageId: 999_999 }),
      await get(`/media/thumbnail/${imageIds[0]}`, { ...bearer(), 'sec-fetch-site': 'same-site' }),
    ];
    const etag = responses[3]!.headers.get('etag')!;
    responses.push(await get(`/media/thumbnail/${imageIds[0]}`, { ...bearer(), 'if-none-match': etag }));
    expect(responses.map((response) => response.status)).toEqual([200, 401, 200, 200, 401, 404, 200, 404, 403, 304]);
    for (const response of responses) expect(response.headers.get('cross-origin-resource-policy'), response.url).toBe('same-origin');
  });

  it('refuses media and calls that a browser says come from another site, even with the session cookie', async () => {
    const session = { cookie: `gd_session=${bridge.token}` };
    const thumbnail = `/media/thumbnail/${imageIds[0]}`;
    const postWith = (headers: Record<string, string>) => raw('/api/app.info', { ...headers, 'content-type': 'application/json' }, 'POST', '{}');
    for (const site of ['cross-site', 'same-site']) {
      const media = await get(thumbnail, { ...session, 'sec-fetch-site': site });
      expect(media.status, site).toBe(403);
      expect(await media.text()).toMatch(/other web pages are refused/);
      expect(media.headers.get('content-type')).not.toMatch(/^image/);
      // A missing image is refused the same way, so a page learns nothing about which images exist.
      expect((await get('/media/thumbnail/999999', { ...session, 'sec-fetch-site': site })).status).toBe(403);
      const call = await postWith({ ...session, 'sec-fetch-site': site });
      expect(call.status, site).toBe(403);
      expect(JSON.parse(call.body).error.code).toBe('bad-request');
    }
    // The app's own pages, an address typed or opened from the terminal, and clients other than browsers.
    for (const headers of [{ 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }, {}] as Array<Record<string, string>>) {
      expect((await get(thumbnail, { ...session, ...headers })).status, JSON.stringify(headers)).toBe(200);
      expect((await postWith({ ...session, ...headers })).status, JSON.stringify(headers)).toBe(200);
      expect((await get(thumbnail, { ...bearer(), ...headers })).status, JSON.stringify(headers)).toBe(200);
    }
    // The link itself may be followed from anywhere (a mail, a chat); it is the page, not a resource.
    expect((await get(`/?token=${bridge.token}`, { 'sec-fetch-site': 'cross-site' })).status).toBe(303);
  });

  it('serves the built renderer, falling back to index.html for app routes', async () => {
    const script = await get('/assets/app.js', bearer());
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('cache-control')).toMatch(/immutable/);
    const route = await get('/projects/1/review', bearer());
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>Gradedesk</title>');
    expect((await get('/missing.png', bearer())).status).toBe(404);
  });

  it('answers api calls with the token as a Bearer header', async () => {
    const response = await post('app.info', {});
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await answer(response)).toEqual({
      ok: true,
      value: { mode: 'browser', version: '9.9.9-test', dataDir: workspace.dataDir, canPickFiles: false },
    });
  });

  it('refuses a Host header that is not its own (DNS rebinding)', async () => {
    const rebound = await raw('/api/app.info', { host: `evil.example:${port()}`, ...bearer(), 'content-type': 'application/json' }, 'POST', '{}');
    expect(rebound.status).toBe(403);
    expect((await raw('/', { host: `evil.example:${port()}`, ...bearer() })).status).toBe(403);
    expect((await raw('/', { host: `127.0.0.1:${port() + 1}`, ...bearer() })).status).toBe(403);
    expect(await upgradeStatus({ headers: { host: `evil.example:${port()}`, ...bearer() } })).toBe(403);
    expect((await raw('/', { host: `localhost:${port()}`, ...bearer() })).status).toBe(200);
  });

  it('refuses POSTs and WebSocket upgrades from another origin', async () => {
    const headers = { ...bearer(), 'content-type': 'application/json' };
    const crossSite = await raw('/api/app.info', { ...headers, origin: 'http://evil.example' }, 'POST', '{}');
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.body).error.code).toBe('bad-request');
    // Another port of the same host is another origin (and would get a SameSite=Strict cookie).
    expect((await raw('/api/app.info', { ...headers, origin: `http://127.0.0.1:${port() + 1}` }, 'POST', '{}')).status).toBe(403);
    expect((await raw('/api/app.info', { ...headers, origin: 'null' }, 'POST', '{}')).status).toBe(403);
    expect((await raw('/api/app.info', { ...headers, origin: bridge.origin }, 'POST', '{}')).status).toBe(200);
    expect(await upgradeStatus({ headers: bearer(), origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus({ headers: bearer(), origin: bridge.origin })).toBe(101);
  });

  it('answers malformed and unknown calls with bad-request errors', async () => {
    const malformed = await post('labels.record', { imageId: 'first', value: 2, readerId: reader.id });
    expect(malformed.status).toBe(400);
    const { error } = await answer(malformed);
    expect(error.code).toBe('bad-request');
    expect(error.message).toMatch(/"imageId"/);

    const unknown = await post('images.delete', {});
    expect(unknown.status).toBe(400);
    expect((await answer(unknown)).error).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/Unknown call "images.delete"/) });

    const notJson = await post('app.info', '{"unterminated');
    expect(notJson.status).toBe(400);
    expect((await answer(notJson)).error.code).toBe('bad-request');

    const tooLarge = await post('images.setNote', { imageId: imageIds[0], note: 'x'.repeat(1024 * 1024) });
    expect(tooLarge.status).toBe(413);
    expect((await answer(tooLarge)).error.message).toMatch(/larger than 1 MB/);

    expect((await get('/api/app.info', bearer())).status).toBe(405);
    expect((await post('app.info', '{}', { ...bearer(), 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('maps error codes to HTTP statuses', async () => {
    const missing = await post('images.get', { imageId: 999_999 });
    expect(missing.status).toBe(404);
    expect((await answer(missing)).error.code).toBe('not-found');
    const picker = await post('dialogs.pickFolder', {});
    expect(picker.status).toBe(501);
    expect((await answer(picker)).error.code).toBe('unsupported');
  });

  it('streams a real thumbnail with an ETag and answers 304 when it is unchanged', async () => {
    const thumbnail = await get(`/media/thumbnail/${imageIds[0]}`, bearer());
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
    expect(thumbnail.headers.get('cache-control')).toBe('private, no-cache');
    expect(thumbnail.headers.get('content-security-policy')).toBeTruthy();
    const etag = thumbnail.headers.get('etag')!;
    expect(etag).toBe(`"thumbnail-${workspace.store.images.get(imageIds[0]!).sha256}"`);
    const metadata = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect(metadata.format).toBe('jpeg');
    expect(Math.max(metadata.width, metadata.height)).toBe(256);

    const revalidated = await get(`/media/thumbnail/${imageIds[0]}`, { ...bearer(), 'if-none-match': etag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('etag')).toBe(etag);
    const other = await get(`/media/display/${imageIds[1]}`, { ...bearer(), 'if-none-match': etag });
    expect(other.status).toBe(200);
    expect(other.headers.get('etag')).not.toBe(etag);
  });

  it('answers 404 for an unknown image, kind or id', async () => {
    const known = imageIds[0];
    const routes = ['/media/thumbnail/999999', `/media/original/${known}`, '/media/thumbnail/0', `/media/thumbnail/${known}.5`, '/media/thumbnail/x', '/media/thumbnail'];
    for (const route of routes) expect((await get(route, bearer())).status, route).toBe(404);
  });

  it('pushes events on the WebSocket: a label recorded over HTTP arrives as data.changed', async () => {
    const socket = await openEvents();
    try {
      const changed = nextEvent(socket, 'data.changed');
      const recorded = await post('labels.record', { imageId: imageIds[1], value: 3, readerId: reader.id });
      expect(recorded.status).toBe(200);
      const { event } = (await answer(recorded)).value as { event: { id: number } };
      expect(event).toMatchObject({ imageId: imageIds[1], value: 3 });
      expect((await changed).payload).toEqual({ projectId: project.id, imageIds: [imageIds[1]], what: 'labels', eventIds: [event.id] });
    } finally {
      socket.close();
    }
  });

  it('takes a given token, and close() ends its sockets and the server but not the workspace', async () => {
    const second = await startBridge({ workspace, rendererDir: path.join(root, 'renderer'), token: 'a-given-token-of-enough-length', version: 'x' });
    expect(second.token).toBe('a-given-token-of-enough-length');
    expect(second.origin).not.toBe(bridge.origin);
    const socket = await new Promise<WebSocket>((resolve, reject) => {
      const client = new WebSocket(`${second.origin.replace(/^http/, 'ws')}/events`, { headers: { authorization: `Bearer ${second.token}` } });
      client.once('open', () => resolve(client));
      client.once('error', reject);
    });
    const socketClosed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await second.close();
    expect(await socketClosed).toBe(1001);
    await expect(fetch(`${second.origin}/`)).rejects.toThrow();
    expect(workspace.store.projects.list()).toHaveLength(1);
  });

  const builtCli = fileURLToPath(new URL('../../out/main/cli.js', import.meta.url));
  it.skipIf(!existsSync(builtCli))('`gradedesk serve` prints one link that opens the app, and stops on SIGTERM', async () => {
    const dataDir = path.join(root, 'serve-data');
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../bin/gradedesk.cjs', import.meta.url)), '--data', dataDir, 'serve', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          if (stdout.includes('\n')) resolve(stdout);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const match = /^Gradedesk is running in browser mode: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43})\n$/.exec(line);
      expect(match, line).not.toBeNull();
      const link = await fetch(match![1]!, { redirect: 'manual' });
      expect(link.status).toBe(303);
      const page = await fetch(new URL('/', match![1]!), { headers: { cookie: link.headers.getSetCookie()[0]!.split(';')[0]! } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="app"|<script/);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
