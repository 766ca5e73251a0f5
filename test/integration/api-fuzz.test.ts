import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractMethods, fuzzApi, type FuzzOptions } from '../../src/main/bench/api-fuzz';
import { startBridge, type Bridge } from '../../src/main/bridge/server';
import { runCli } from '../../src/main/cli/program';
import { Workspace } from '../../src/main/app/workspace';
import { api } from '../../src/shared/api';

const cli = async (...args: string[]) => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), interactive: false });
  return { code, stdout, stderr };
};

const TEST_PROFILE: Omit<FuzzOptions, 'origin' | 'token' | 'pathSandbox'> = {
  seed: 16,
  perMethod: 200,
  requestTimeoutMs: 10_000,
  jobTimeoutMs: 30_000,
  jobsPerMethod: 2,
  maxStringLength: 200_000,
  maxArrayLength: 2_000,
};

describe('api fuzz over the HTTP bridge', () => {
  let root: string;
  let dataDir: string;
  let workspace: Workspace;
  let bridge: Bridge;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-fuzz-'));
    dataDir = path.join(root, 'data');
    // Six images: fewer than training needs, so no fuzzed call starts a long training run.
    const demo = await cli('--data', dataDir, 'demo', '--count', '6');
    expect(demo.code, demo.stderr).toBe(0);
    const rendererDir = path.join(root, 'renderer');
    await fs.mkdir(rendererDir);
    await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Gradedesk</title>\n');
    workspace = Workspace.open(dataDir);
    bridge = await startBridge({ workspace, rendererDir, version: 'fuzz' });
  });

  afterAll(async () => {
    await bridge?.close();
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('answers every method of the contract with no 500 and no hang, stays up, and leaves a sound database', { timeout: 300_000 }, async () => {
    const report = await fuzzApi({ ...TEST_PROFILE, origin: bridge.origin, token: bridge.token!, pathSandbox: path.join(root, 'paths') });
    expect(Object.keys(report.byMethod).sort()).toEqual(Object.keys(api).sort());
    expect(report.tried).toBe(Object.keys(api).length * TEST_PROFILE.perMethod);
    expect(report.failures).toEqual([]);
    // The server runs in this process: no payload's __proto__ or constructor key reached Object.prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    // The payloads reached the handlers, not only the schema check: some calls succeeded and some jobs were started (and cancelled).
    const succeeded = Object.values(report.byMethod).reduce((sum, method) => sum + method.ok, 0);
    expect(succeeded).toBeGreaterThan(report.tried / 20);
    expect(report.jobsStarted).toBeGreaterThan(0);

    const alive = await fetch(`${bridge.origin}/api/app.info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bridge.token}` },
      body: '{}',
    });
    expect(alive.status).toBe(200);

    const check = await cli('--data', dataDir, 'check', '--json');
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, problems: [] });
  });
});

describe('the api fuzzer itself', () => {
  it('reports a 500, a hang and an answer that is not an ApiResult', async () => {
    const server = http.createServer((request, response) => {
      const method = decodeURIComponent(request.url!.slice('/api/'.length));
      request.resume();
      request.on('end', () => {
        if (method === 'images.get') return; // never answers
        const [status, body] =
          method === 'labels.record' ? [500, { ok: false, error: { code: 'internal', message: 'boom' } }]
          : method === 'labels.history' ? [200, 'plain text']
          : ['projects.list', 'readers.list', 'jobs.list'].includes(method) ? [200, { ok: true, value: [] }]
          : [400, { ok: false, error: { code: 'bad-request', message: 'no' } }];
        response.writeHead(status as number, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const report = await fuzzApi({
        ...TEST_PROFILE,
        perMethod: 3,
        requestTimeoutMs: 300,
        methods: ['app.info', 'labels.record', 'images.get', 'labels.history'],
        origin,
        token: 'x',
        pathSandbox: os.tmpdir(),
      });
      expect(report.tried).toBe(12);
      expect(report.serverErrors).toBe(3);
      expect(report.hangs).toBe(3);
      expect(new Set(report.failures.map((f) => `${f.method} ${f.kind}`))).toEqual(
        new Set(['labels.record server-error', 'images.get hang', 'labels.history not-an-api-result']),
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('reads its methods from the contract', () => {
    expect(contractMethods()).toEqual(Object.keys(api));
    expect(contractMethods().length).toBeGreaterThanOrEqual(43);
  });
});
