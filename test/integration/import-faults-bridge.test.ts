// Hostile label files and cancellation, through browser mode's real HTTP server: a FIFO must not stall
// the server, jobs.cancel must end an import, SIGTERM must end `serve` mid-import, and no error may
// quote a file the label-file path names.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBridge, type Bridge } from '../../src/main/bridge/server';
import { Workspace } from '../../src/main/app/workspace';
import type { JobSnapshot } from '../../src/shared/api';
import { taskSpecFor, type GridPage, type Project } from '../../src/shared/domain';
import { writeJpeg } from '../fixtures/images';

const SECRET = 'GRADEDESK-SECRET-7f3a9c2e41';

/** Calls one api method over HTTP; answers the value, or throws with the error's message. */
async function call<T>(origin: string, token: string, method: string, body: unknown): Promise<T> {
  const response = await fetch(`${origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!answer.ok) throw new Error(answer.error!.message);
  return answer.value as T;
}

/** The job once it has ended, asking jobs.list until it has; fails (rather than hangs) after `seconds`. */
async function ended(origin: string, token: string, jobId: string, seconds = 20): Promise<JobSnapshot> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const job = (await call<JobSnapshot[]>(origin, token, 'jobs.list', {})).find((j) => j.id === jobId)!;
    if (job.state !== 'running') return job;
    if (Date.now() > deadline) throw new Error(`Job ${jobId} (${job.title}) was still running after ${seconds} s.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('hostile label files and cancelling, in browser mode', () => {
  let root: string;
  let workspace: Workspace;
  let bridge: Bridge;
  let project: Project;
  let photos: string;
  let thumbnailId: number;
  let socket: WebSocket;
  let events = '';
  const api = <T>(method: string, body: unknown) => call<T>(bridge.origin, bridge.token!, method, body);
  const finished = (jobId: string, seconds?: number) => ended(bridge.origin, bridge.token!, jobId, seconds);

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-faults-'));
    photos = path.join(root, 'photos');
    await writeJpeg(path.join(photos, '10_left.jpeg'), 1, 640, 480);
    await writeJpeg(path.join(photos, '10_right.jpeg'), 2, 640, 480);
    const rendererDir = path.join(root, 'renderer');
    await fs.mkdir(rendererDir);
    await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Gradedesk</title>\n');
    workspace = Workspace.open(path.join(root, 'data'));
    project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
    bridge = await startBridge({ workspace, rendererDir, version: 'test' });
    socket = new WebSocket(`${bridge.origin.replace(/^http/, 'ws')}/events`, { headers: { authorization: `Bearer ${bridge.token}` } });
    socket.on('message', (data) => (events += `${String(data)}\n`));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const first = await api<JobSnapshot>('imports.start', { projectId: project.id, folder: photos });
    expect((await finished(first.id)).state).toBe('done');
    thumbnailId = (await api<GridPage>('images.page', { projectId: project.id, offset: 0, limit: 1 })).rows[0]!.id;
  });

  afterAll(async () => {
    socket?.close();
    await bridge?.close();
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('refuses a FIFO as the label file at once, and after five tries the server still answers every file-backed request', async () => {
    const fifo = path.join(root, 'labels.csv');
    execFileSync('mkfifo', [fifo]);
    // Each read of a FIFO used to block one of libuv's four threads for ever; the fifth import, the
    // thumbnails and index.html then hung.
    for (let i = 0; i < 5; i++) {
      const job = await api<JobSnapshot>('imports.start', { projectId: project.id, folder: photos, labelsFile: fifo });
      const end = await finished(job.id, 10);
      expect(end.state).toBe('failed');
      expect(end.error).toBe(`The label file "${fifo}" is not a regular file (it is a FIFO).`);
    }
    const headers = { authorization: `Bearer ${bridge.token}` };
    const thumbnail = await fetch(`${bridge.origin}/media/thumbnail/${thumbnailId}`, { headers, signal: AbortSignal.timeout(5000) });
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
    const page = await fetch(`${bridge.origin}/`, { headers, signal: AbortSignal.timeout(5000) });
    expect(page.status).toBe(200);
    const again = await api<JobSnapshot>('imports.start', { projectId: project.id, folder: photos });
    expect(await finished(again.id, 10)).toMatchObject({ state: 'done', report: { unchanged: 2 } });
  });

  it('ends a running import when asked with jobs.cancel', async () => {
    const many = path.join(root, 'many');
    for (let i = 0; i < 60; i++) await writeJpeg(path.join(many, `image-${String(i).padStart(2, '0')}.jpg`), 100 + i, 800, 600);
    const job = await api<JobSnapshot>('imports.start', { projectId: project.id, folder: many });
    expect((await api<JobSnapshot>('jobs.cancel', { jobId: job.id })).id).toBe(job.id);
    const end = await finished(job.id, 10);
    expect(end.state).toBe('cancelled');
    expect(end.report?.cancelled).toBe(true);
    expect(end.report!.imported).toBeLessThan(60);
  });

  it('never quotes the file a label-file path names: not in the job error, jobs.list, the events or the report', async () => {
    const secretFile = path.join(root, 'shadow');
    await fs.writeFile(secretFile, `root:${SECRET}:19000:0:99999:7:::\nuser:x:19000:0:99999:7:::\n`);
    // Like /proc/self/environ: one line of NUL-separated text.
    const environ = path.join(root, 'environ');
    await fs.writeFile(environ, `PATH=/usr/bin\0API_KEY=${SECRET}\0HOME=/root\0`);
    // A CSV that almost looks like a label file, its secret in the header and in a row.
    const almost = path.join(root, 'almost.csv');
    await fs.writeFile(almost, `image,${SECRET}\n10_left,${SECRET}\n`);
    for (const [file, sentence] of [
      [secretFile, 'The first line of the label file is not a header Gradedesk recognises.'],
      [environ, 'is not a text file (it holds binary data)'],
      [almost, 'it has only "image"'],
    ] as const) {
      const job = await api<JobSnapshot>('imports.start', { projectId: project.id, folder: photos, labelsFile: file });
      const end = await finished(job.id, 10);
      expect(end.state).toBe('failed');
      expect(end.error).toContain(sentence);
      expect(JSON.stringify(end)).not.toContain(SECRET);
    }
    expect(JSON.stringify(await api('jobs.list', {}))).not.toContain(SECRET);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toContain('job.finished');
    expect(events).not.toContain(SECRET);
  });
});

const builtCli = fileURLToPath(new URL('../../out/main/cli.js', import.meta.url));
describe.skipIf(!existsSync(builtCli))('`gradedesk serve` under SIGTERM', () => {
  it('ends at once even in the middle of an import, leaving no image marked broken, and the next import finishes the rest', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-sigterm-'));
    const folder = path.join(root, 'folder');
    const count = 150;
    for (let i = 0; i < count; i++) await writeJpeg(path.join(folder, `image-${String(i).padStart(3, '0')}.jpg`), 300 + i, 1024, 768);
    const dataDir = path.join(root, 'data');
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../bin/gradedesk.cjs', import.meta.url)), '--data', dataDir, 'serve', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const link = await new Promise<URL>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          const match = /(http:\/\/\S+\?token=(\S+))\n/.exec(stdout);
          if (match) resolve(new URL(match[1]!));
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const token = link.searchParams.get('token')!;
      const served = <T>(method: string, body: unknown) => call<T>(link.origin, token, method, body);
      const project = await served<Project>('projects.create', { name: 'Big', task: 'dr-grade' });
      const job = await served<JobSnapshot>('imports.start', { projectId: project.id, folder });
      for (let seen = 0; seen < 5; ) {
        const now = (await served<JobSnapshot[]>('jobs.list', {})).find((j) => j.id === job.id)!;
        expect(now.state).toBe('running');
        seen = now.progress?.phase === 'Reading images' ? now.progress.done : 0;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const signalled = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(15_000);
      expect(stderr).toBe('');

      const workspace = Workspace.open(dataDir);
      try {
        const stored = workspace.store.stats(workspace.store.projects.get(project.id));
        expect(stored.images).toBeLessThan(count);
        expect(stored.errors).toEqual({});
        const rest = await workspace.startImport({ project: workspace.store.projects.get(project.id), folder }).done;
        expect(rest.imported + rest.unchanged).toBe(count);
        expect(rest.errors).toEqual([]);
      } finally {
        await workspace.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
