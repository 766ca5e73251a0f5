import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBridge, type Bridge } from '../../src/main/bridge/server';
import { Workspace } from '../../src/main/app/workspace';
import { runCli } from '../../src/main/cli/program';
import type { ApiError } from '../../src/shared/api';
import { taskSpecFor, type ImageEvent, type Project } from '../../src/shared/domain';
import type { Person, SignInLink, SignInState } from '../../src/shared/people';
import { writeJpeg } from '../fixtures/images';
import { cliIsBuilt, gradedesk, GRADEDESK_BIN } from '../support/gradedesk-process';

interface Answer<T = unknown> {
  ok: boolean;
  value: T;
  error: ApiError;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const PASSWORDS = { Ana: 'ana-grades-retinas', Ben: 'ben-grades-retinas', Carla: 'carla-runs-the-centre', Eve: 'eve-forgets-things' };

/** A team server over real HTTP on a real data directory, its people added with the real CLI. */
describe('team server: people sign in, and every call is made as them', () => {
  let root: string;
  let dataDir: string;
  let workspace: Workspace;
  let project: Project;
  let bridge: Bridge;
  let imageIds: number[];
  const people: Record<string, Person> = {};

  const cli = async (args: string[], stdin = '') => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--data', dataDir, ...args], {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      interactive: false,
      readStdin: async () => stdin,
    });
    return { code, stdout, stderr };
  };

  /** node:http, to send exactly the headers a test chooses (Origin, Host, cookies) and read Set-Cookie. */
  const request = (route: string, { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const url = new URL(bridge.origin);
      const text = body === undefined ? undefined : JSON.stringify(body);
      const call = http.request({ host: url.hostname, port: url.port, path: route, method, headers: { ...(text ? { 'content-type': 'application/json' } : {}), ...headers } }, (response) => {
        let received = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (received += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: received }));
      });
      call.on('error', reject);
      call.end(text);
    });
  const json = <T>(reply: Reply) => JSON.parse(reply.body) as Answer<T>;
  const api = (method: string, body: unknown, cookie?: string, headers: Record<string, string> = {}) =>
    request(`/api/${method}`, { method: 'POST', body, headers: { ...(cookie ? { cookie } : {}), ...headers } });

  /** Signs in and answers the cookie to send back (`gd_session=…`) and the whole Set-Cookie line. */
  const signIn = async (name: string, password: string) => {
    const reply = await request('/session/sign-in', { method: 'POST', body: { name, password } });
    const setCookie = reply.headers['set-cookie']?.[0] ?? '';
    return { reply, setCookie, cookie: setCookie.split(';')[0]! };
  };

  const upgradeStatus = (headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${bridge.origin.replace(/^http/, 'ws')}/events`, { headers });
      socket.on('unexpected-response', (call, response) => {
        resolve(response.statusCode!);
        call.destroy();
      });
      socket.on('open', () => {
        resolve(101);
        socket.close();
      });
      socket.on('error', reject);
    });

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-team-'));
    dataDir = path.join(root, 'data');
    const folder = path.join(root, 'photos');
    for (let i = 1; i <= 3; i++) await writeJpeg(path.join(folder, `${i}_left.jpeg`), i, 320, 240);
    const rendererDir = path.join(root, 'renderer');
    await fs.mkdir(rendererDir, { recursive: true });
    await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Gradedesk</title>\n');

    workspace = Workspace.open(dataDir);
    project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
    expect((await workspace.startImport({ project, folder }).done).imported).toBe(3);
    // Ana graded on the desktop before the centre had accounts: adding her keeps those grades hers.
    const earlier = workspace.store.readers.ensure('Ana');

    for (const [name, role] of [['Ana', 'grader'], ['Ben', 'grader'], ['Carla', 'admin'], ['Eve', 'grader']] as const) {
      const added = await cli(['--json', 'user', 'add', name, '--role', role, '--password-stdin'], `${PASSWORDS[name]}\n`);
      expect(added.code, added.stderr).toBe(0);
      people[name] = JSON.parse(added.stdout) as Person;
    }
    expect((await cli(['user', 'add', 'Dev', '--role', 'adjudicator'])).code).toBe(0);
    expect(people.Ana!.id).toBe(earlier.id);

    bridge = await startBridge({ workspace, rendererDir, version: '9.9.9-test' });
    imageIds = workspace.store.images.page(project.task, { projectId: project.id, offset: 0, limit: 10 }).rows.map((row) => row.id);
  }, 120_000);

  afterAll(async () => {
    await bridge?.close();
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('lists people and roles through the CLI, and refuses a short password or a second password for one name', async () => {
    const listed = await cli(['--json', 'user', 'list']);
    const rows = JSON.parse(listed.stdout) as Person[];
    expect(rows.map((p) => [p.name, p.role, p.hasPassword])).toEqual([
      ['Ana', 'grader', true],
      ['Ben', 'grader', true],
      ['Carla', 'admin', true],
      ['Dev', 'adjudicator', false],
      ['Eve', 'grader', true],
    ]);
    expect(listed.stdout).not.toMatch(/scrypt|hash/i);
    const short = await cli(['user', 'add', 'Finn', '--role', 'grader', '--password-stdin'], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 10 characters/);
    const again = await cli(['user', 'add', 'ana', '--role', 'admin', '--password-stdin'], 'another-long-password\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/Ana already has a password; to start them again, disable them, then add them again/);
    expect((await cli(['user', 'add', 'Finn', '--role', 'boss'])).code).toBe(2);
  });

  it('runs in team mode because people have passwords: no token, the page is public, everything else needs a session', async () => {
    expect(bridge.team).toBe(true);
    expect(bridge.token).toBeNull();
    expect(bridge.url).toBe(`${bridge.origin}/`);
    expect((await request('/')).status).toBe(200);
    expect(json<SignInState>(await request('/session')).value).toEqual({ team: true, person: null });
    expect((await api('projects.list', {})).status).toBe(401);
    expect((await request(`/media/thumbnail/${imageIds[0]}`)).status).toBe(401);
    expect(await upgradeStatus({})).toBe(401);
  });

  it('signs a person in with an HttpOnly, SameSite=Strict cookie with an expiry; their grade is recorded under their name', async () => {
    const ana = await signIn('ana', PASSWORDS.Ana);
    expect(ana.reply.status).toBe(200);
    expect(ana.setCookie).toMatch(/^gd_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
    expect(json<SignInState>(await request('/session', { headers: { cookie: ana.cookie } })).value.person).toMatchObject({ name: 'Ana', role: 'grader' });

    const graded = await api('labels.record', { imageId: imageIds[0], value: 2, readerId: people.Ana!.id }, ana.cookie);
    expect(graded.status).toBe(200);
    const history = json<ImageEvent[]>(await api('labels.history', { imageId: imageIds[0] }, ana.cookie)).value;
    expect(history.map((event) => [event.readerName, event.source])).toEqual([['Ana', 'reader']]);
    expect((await request(`/media/thumbnail/${imageIds[0]}`, { headers: { cookie: ana.cookie } })).status).toBe(200);
    expect(await upgradeStatus({ cookie: ana.cookie })).toBe(101);
    // The database keeps only the digest of the session's secret.
    const secret = ana.cookie.split('=')[1]!;
    expect(JSON.stringify(workspace.store.db.prepare('SELECT * FROM sessions').all())).not.toContain(secret);
  });

  it('refuses a grader who acts as another person or as an admin, with 403 and a sentence', async () => {
    const { cookie } = await signIn('Ana', PASSWORDS.Ana);
    const asBen = await api('labels.record', { imageId: imageIds[1], value: 4, readerId: people.Ben!.id }, cookie);
    expect(asBen.status).toBe(403);
    expect(json(asBen).error).toEqual({ code: 'forbidden', message: expect.stringMatching(/signed in as Ana/) });
    for (const [method, body] of [
      ['labels.undoMany', { eventIds: [1], readerId: people.Ben!.id }],
      ['images.setNote', { imageId: imageIds[1], note: 'mine', readerId: people.Carla!.id }],
      ['readers.ensure', { name: 'Ben' }],
      ['readers.ensure', { name: 'Mallory' }],
      ['people.list', {}],
      ['people.add', { name: 'Mallory', role: 'admin', password: 'mallory-is-admin-now' }],
      ['people.disable', { name: 'Carla' }],
      ['people.createLink', { name: 'Ben' }],
      ['imports.start', { projectId: project.id, folder: '/etc' }],
      ['exports.labels', { projectId: project.id, file: path.join(root, 'out.csv') }],
    ] as const) {
      const refused = await api(method, body, cookie);
      expect(refused.status, method).toBe(403);
      expect(json(refused).error.code, method).toBe('forbidden');
    }
    // Nothing was written as anyone else, and nobody was added.
    expect(workspace.store.labels.history(imageIds[1]!)).toEqual([]);
    expect(workspace.store.people.named('Mallory')).toBeNull();
    // Her own name is hers to ask for.
    expect(json<Person>(await api('readers.ensure', { name: 'ana' }, cookie)).value.id).toBe(people.Ana!.id);
  });

  it("lets an admin manage people but not grade under a grader's name", async () => {
    const { cookie } = await signIn('Carla', PASSWORDS.Carla);
    expect(json<Person[]>(await api('people.list', {}, cookie)).value).toHaveLength(5);
    expect((await api('labels.record', { imageId: imageIds[1], value: 1, readerId: people.Ana!.id }, cookie)).status).toBe(403);
    expect((await api('labels.record', { imageId: imageIds[1], value: 1, readerId: people.Carla!.id }, cookie)).status).toBe(200);
  });

  it('ends a session on sign-out: the stolen cookie stops working for calls, media, events and the session itself', async () => {
    const ben = await signIn('Ben', PASSWORDS.Ben);
    const stolen = ben.cookie;
    expect((await api('projects.list', {}, stolen)).status).toBe(200);
    const out = await request('/session/sign-out', { method: 'POST', body: {}, headers: { cookie: ben.cookie } });
    expect(out.status).toBe(200);
    expect(out.headers['set-cookie']?.[0]).toMatch(/^gd_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0$/);

    const refused = await api('labels.record', { imageId: imageIds[2], value: 3, readerId: people.Ben!.id }, stolen);
    expect(refused.status).toBe(401);
    expect(json(refused).error.message).toMatch(/Sign in/);
    expect((await request(`/media/thumbnail/${imageIds[0]}`, { headers: { cookie: stolen } })).status).toBe(401);
    expect(await upgradeStatus({ cookie: stolen })).toBe(401);
    expect(json<SignInState>(await request('/session', { headers: { cookie: stolen } })).value.person).toBeNull();
    expect(workspace.store.labels.history(imageIds[2]!)).toEqual([]);
  });

  it('rate-limits wrong passwords per account: after five, even the right password waits', async () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const wrong = await signIn('Eve', `wrong-password-${attempt}`);
      expect(wrong.reply.status).toBe(401);
      expect(json(wrong.reply).error.message).toBe('That name and password do not match anyone who may sign in here.');
      expect(wrong.setCookie).toBe('');
    }
    const right = await signIn('eve', PASSWORDS.Eve);
    expect(right.reply.status).toBe(429);
    expect(Number(right.reply.headers['retry-after'])).toBeGreaterThan(800);
    expect(json(right.reply).error.message).toMatch(/Too many failed sign-ins; try again in 15 minutes/);
    expect(right.setCookie).toBe('');
    // Another account from the same address is not locked out by Eve's (the address's own limit is higher).
    expect((await signIn('Ben', PASSWORDS.Ben)).reply.status).toBe(200);
    // An unknown name is answered like a wrong password.
    const nobody = await signIn('Zed', 'whatever-it-is-here');
    expect([nobody.reply.status, json(nobody.reply).error.message]).toEqual([401, 'That name and password do not match anyone who may sign in here.']);
  });

  it('refuses requests from another origin or Host, over HTTP and WebSocket, signed in or not', async () => {
    const { cookie } = await signIn('Ana', PASSWORDS.Ana);
    const evil = { origin: 'http://evil.example' };
    expect((await api('labels.record', { imageId: imageIds[2], value: 1, readerId: people.Ana!.id }, cookie, evil)).status).toBe(403);
    expect((await api('projects.list', {}, cookie, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await request('/session/sign-in', { method: 'POST', body: { name: 'Ana', password: PASSWORDS.Ana }, headers: evil })).status).toBe(403);
    expect((await request('/session/sign-in', { method: 'POST', body: { name: 'Ana', password: PASSWORDS.Ana }, headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await api('projects.list', {}, cookie, { host: 'evil.example' })).status).toBe(403);
    expect(await upgradeStatus({ cookie, ...evil })).toBe(403);
    expect(await upgradeStatus({ cookie, origin: bridge.origin })).toBe(101);
    expect(workspace.store.labels.history(imageIds[2]!)).toEqual([]);
  });

  it('signs a person in once with a personal link an admin made; the link then stops working', async () => {
    const { cookie: admin } = await signIn('Carla', PASSWORDS.Carla);
    const link = json<SignInLink>(await api('people.createLink', { name: 'Dev', hours: 2 }, admin)).value;
    expect(link.path).toMatch(/^\/session\/link\?token=[A-Za-z0-9_-]{43}$/);
    const used = await request(link.path);
    expect(used.status).toBe(303);
    expect(used.headers.location).toBe('/');
    const cookie = used.headers['set-cookie']![0]!.split(';')[0]!;
    expect(json<SignInState>(await request('/session', { headers: { cookie } })).value.person).toMatchObject({ name: 'Dev', role: 'adjudicator' });
    const again = await request(link.path);
    expect(again.status).toBe(401);
    expect(again.body).toMatch(/used or has expired/);
  });

  it("ends a disabled person's sessions at once, closes their event socket, and refuses their password", async () => {
    const { cookie } = await signIn('Ben', PASSWORDS.Ben);
    const socket = new WebSocket(`${bridge.origin.replace(/^http/, 'ws')}/events`, { headers: { cookie } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

    const disabled = await cli(['user', 'disable', 'Ben']);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toMatch(/Disabled Ben; their sessions have ended/);
    expect((await api('projects.list', {}, cookie)).status).toBe(401);
    expect((await signIn('Ben', PASSWORDS.Ben)).reply.status).toBe(401);

    // The next event anyone causes closes Ben's socket instead of reaching him.
    const { cookie: ana } = await signIn('Ana', PASSWORDS.Ana);
    expect((await api('labels.record', { imageId: imageIds[2], value: 0, readerId: people.Ana!.id }, ana)).status).toBe(200);
    expect(await closed).toBe(1008);
    // His grades stay his.
    expect(json<ImageEvent[]>(await api('labels.history', { imageId: imageIds[2] }, ana)).value.map((e) => e.readerName)).toEqual(['Ana']);
  });

  it('lets an admin sign a person out everywhere (revoke) through the CLI', async () => {
    const first = await signIn('Carla', PASSWORDS.Carla);
    const revoked = await cli(['--json', 'user', 'sign-out', 'Carla']);
    expect(JSON.parse(revoked.stdout).ended).toBeGreaterThanOrEqual(1);
    expect((await api('projects.list', {}, first.cookie)).status).toBe(401);
    expect((await signIn('Carla', PASSWORDS.Carla)).reply.status).toBe(200);
  });
});

describe('team server over HTTPS', () => {
  const openssl = spawnSync('openssl', ['version']).status === 0;

  it.runIf(openssl)('serves TLS from the given certificate and key, with a Secure cookie and an https Origin check', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-tls-'));
    const [certFile, keyFile] = [path.join(root, 'cert.pem'), path.join(root, 'key.pem')];
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile]);
    expect(made.status, String(made.stderr)).toBe(0);
    const rendererDir = path.join(root, 'renderer');
    await fs.mkdir(rendererDir);
    await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Gradedesk</title>\n');
    const workspace = Workspace.open(path.join(root, 'data'));
    await workspace.store.people.add('Ana', 'admin', null);
    const cert = await fs.readFile(certFile);
    const bridge = await startBridge({ workspace, rendererDir, version: 'test', team: true, tls: { cert, key: await fs.readFile(keyFile) } });
    try {
      expect(bridge.origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const send = (route: string, headers: Record<string, string> = {}, method = 'GET') =>
        new Promise<Reply>((resolve, reject) => {
          const url = new URL(bridge.origin);
          const call = https.request({ host: url.hostname, port: url.port, path: route, method, ca: cert, headers }, (response) => {
            let body = '';
            response.on('data', (chunk) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
          });
          call.on('error', reject);
          call.end();
        });
      const link = workspace.store.people.named('Ana')!;
      expect(link.person.hasPassword).toBe(false);
      // A link made through the same operations the CLI uses.
      const { peopleOperations } = await import('../../src/main/app/people');
      const signInLink = peopleOperations(workspace).createLink({ name: 'Ana' });
      const used = await send(signInLink.path);
      expect(used.status).toBe(303);
      expect(used.headers['set-cookie']![0]).toMatch(/; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+; Secure$/);
      const cookie = used.headers['set-cookie']![0]!.split(';')[0]!;
      expect(JSON.parse((await send('/session', { cookie })).body).value.person.name).toBe('Ana');
      // A page must come from the https origin itself: the same address over plain http is another origin.
      const signOut = (origin: string) => send('/session/sign-out', { cookie, origin, 'content-type': 'application/json' }, 'POST');
      expect((await signOut(bridge.origin.replace('https', 'http'))).status).toBe(403);
      expect((await signOut(bridge.origin)).status).toBe(200);
      expect(JSON.parse((await send('/session', { cookie })).body).value.person).toBeNull();
    } finally {
      await bridge.close();
      await workspace.close();
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe('gradedesk serve, as an admin starts it', () => {
  /** Starts the real `serve`, waits for the JSON line it prints, and stops it; answers what it said. */
  const serve = (dataDir: string, ...args: string[]) =>
    new Promise<{ printed: { url: string; token: string | null; team: boolean }; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [GRADEDESK_BIN, '--data', dataDir, '--json', 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let printed: { url: string; token: string | null; team: boolean } | null = null;
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        try {
          printed = JSON.parse(stdout);
          child.kill('SIGTERM');
        } catch {
          // Not all of it yet.
        }
      });
      child.once('exit', (code) => (printed ? resolve({ printed, stderr }) : reject(new Error(`serve exited with ${code}: ${stderr}`))));
    });

  it.runIf(cliIsBuilt())('is a team server once someone has a password, and warns loudly about plain HTTP beyond loopback', { timeout: 120_000 }, async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-serve-'));
    try {
      const single = await serve(root);
      expect(single.printed.team).toBe(false);
      expect(single.printed.url).toMatch(/\/\?token=[A-Za-z0-9_-]{43}$/);
      expect(single.stderr).toBe('');

      const added = spawnSync(process.execPath, [GRADEDESK_BIN, '--data', root, 'user', 'add', 'Ana', '--role', 'admin', '--password-stdin'], { input: 'ana-runs-the-centre\n' });
      expect(added.status, String(added.stderr)).toBe(0);
      const team = await serve(root, '--host', '0.0.0.0');
      expect(team.printed).toMatchObject({ team: true, token: null });
      expect(team.printed.url).not.toContain('token');
      expect(team.stderr).toMatch(/!{78}\nWARNING: Gradedesk is listening on 0\.0\.0\.0 over plain HTTP, without encryption\.\n.*passwords and the session cookies/);

      expect((await serve(root, '--single')).printed.team).toBe(false);
      const halfTls = await gradedesk(root, 'serve', '--tls-cert', path.join(root, 'missing.pem'));
      expect([halfTls.code, halfTls.stderr]).toEqual([1, 'gradedesk: HTTPS needs both --tls-cert and --tls-key.\n']);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
