import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadBackbone } from '../../src/main/ml/backbones/download';
import type { Progress } from '../../src/shared/jobs';
import { GradedeskError } from '../../src/shared/errors';

type Route = (request: http.IncomingMessage, response: http.ServerResponse) => void;

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** A tiny tfjs-format model: one float32 group split over two shards, one uint8-quantized group in a subfolder. */
function tinyModel(paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin']) {
  const kernel = new Float32Array(64 * 64).map((_, i) => Math.sin(i));
  const bias = new Float32Array(64).map((_, i) => i / 64);
  const group1 = Buffer.concat([Buffer.from(kernel.buffer), Buffer.from(bias.buffer)]); // 16 640 bytes
  const group2 = Buffer.from(Uint8Array.from({ length: 64 * 3 }, (_, i) => i % 256)); // 192 bytes
  const shards: Record<string, Buffer> = {
    [paths[0]!]: group1.subarray(0, 10_000),
    [paths[1]!]: group1.subarray(10_000),
    'weights/group2-shard1of1.bin': group2,
  };
  const modelJson = JSON.stringify({
    format: 'graph-model',
    modelTopology: { node: [] },
    weightsManifest: [
      {
        paths,
        weights: [
          { name: 'dense/kernel', shape: [64, 64], dtype: 'float32' },
          { name: 'dense/bias', shape: [64], dtype: 'float32' },
        ],
      },
      {
        paths: ['weights/group2-shard1of1.bin'],
        weights: [{ name: 'head/kernel', shape: [64, 3], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.01 } }],
      },
    ],
  });
  return { modelJson, shards, total: Buffer.byteLength(modelJson) + group1.length + group2.length };
}

describe('downloading a tfjs backbone', () => {
  let root: string;
  let server: http.Server;
  let origin: string;
  const requests: string[] = [];
  /** Per-test replacement for how a path is answered; falls back to serving files under `root/served`. */
  const overrides = new Map<string, Route>();
  const model = tinyModel();
  const good = () => ({ url: `${origin}/models/tiny/model.json`, sha256: sha256(model.modelJson) });
  let cacheDir: string;
  const cacheEntries = async () => fs.readdir(cacheDir).catch(() => [] as string[]);

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-backbone-'));
    const served = path.join(root, 'served', 'models', 'tiny');
    for (const [name, bytes] of Object.entries({ 'model.json': Buffer.from(model.modelJson), ...model.shards })) {
      await fs.mkdir(path.dirname(path.join(served, name)), { recursive: true });
      await fs.writeFile(path.join(served, name), bytes);
    }
    server = http.createServer((request, response) => {
      const pathname = new URL(request.url!, 'http://x').pathname;
      requests.push(pathname);
      const override = overrides.get(pathname);
      if (override) return override(request, response);
      fs.readFile(path.join(root, 'served', pathname)).then(
        (bytes) => response.writeHead(200, { 'content-length': bytes.length }).end(bytes),
        () => response.writeHead(404, 'Not Found').end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(async () => {
    overrides.clear();
    requests.length = 0;
    cacheDir = await fs.mkdtemp(path.join(root, 'cache-'));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await fs.rm(root, { recursive: true, force: true });
  });

  it('lands byte-identical files with monotonic progress, and a second call comes from the cache without a request', async () => {
    const progress: Progress[] = [];
    const first = await downloadBackbone({ ...good(), sha256: good().sha256.toUpperCase(), size: model.total, cacheDir, onProgress: (p) => progress.push(p) });

    expect(first).toEqual({ modelJsonPath: path.join(cacheDir, sha256(model.modelJson), 'model.json'), bytes: model.total, fromCache: false });
    const dir = path.dirname(first.modelJsonPath);
    expect(await fs.readFile(first.modelJsonPath, 'utf8')).toBe(model.modelJson);
    for (const [name, bytes] of Object.entries(model.shards)) expect((await fs.readFile(path.join(dir, name))).equals(bytes)).toBe(true);
    expect(await cacheEntries()).toEqual([sha256(model.modelJson)]);
    expect(requests).toHaveLength(4);

    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.every((p) => p.phase === 'Downloading backbone' && p.total === model.total)).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
    expect(progress.at(-1)!.done).toBe(model.total);

    requests.length = 0;
    const second = await downloadBackbone({ ...good(), cacheDir });
    expect(second).toEqual({ ...first, fromCache: true });
    expect(requests).toEqual([]);
  });

  it('downloads again over a cached folder that has no completion marker', async () => {
    const dir = path.join(cacheDir, sha256(model.modelJson));
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'model.json'), model.modelJson);
    expect(await downloadBackbone({ ...good(), cacheDir })).toMatchObject({ fromCache: false, bytes: model.total });
    expect((await fs.readFile(path.join(dir, 'group1-shard2of2.bin'))).equals(model.shards['group1-shard2of2.bin']!)).toBe(true);
  });

  it('refuses a model.json whose sha256 differs, naming both hashes, and leaves nothing behind', async () => {
    const wrong = 'ab'.repeat(32);
    const attempt = downloadBackbone({ ...good(), sha256: wrong, cacheDir });
    await expect(attempt).rejects.toThrow(GradedeskError);
    await expect(attempt).rejects.toThrow(new RegExp(`${good().url}.*${sha256(model.modelJson)}.*${wrong}`));
    expect(await cacheEntries()).toEqual([]);
    expect(requests).toEqual(['/models/tiny/model.json']);
  });

  it('refuses a shard shorter than its manifest implies', async () => {
    overrides.set('/models/tiny/group1-shard2of2.bin', (_, response) => response.end(model.shards['group1-shard2of2.bin']!.subarray(0, 5000)));
    await expect(downloadBackbone({ ...good(), cacheDir })).rejects.toThrow(/hold 15000 bytes.*implies 16640/);
    expect(await cacheEntries()).toEqual([]);
  });

  it('refuses a shard whose connection is cut before its announced length', async () => {
    overrides.set('/models/tiny/group1-shard1of2.bin', (_, response) => {
      response.writeHead(200, { 'content-length': 10_000 });
      response.write(model.shards['group1-shard1of2.bin']!.subarray(0, 4000), () => response.destroy());
    });
    await expect(downloadBackbone({ ...good(), cacheDir })).rejects.toMatchObject({ name: 'GradedeskError', message: expect.stringContaining('group1-shard1of2.bin') });
    expect(await cacheEntries()).toEqual([]);
  });

  it('refuses an HTTP error status, naming the code and the URL', async () => {
    await expect(downloadBackbone({ ...good(), url: `${origin}/models/missing/model.json`, cacheDir })).rejects.toThrow(
      `The server answered 404 Not Found for ${origin}/models/missing/model.json.`,
    );
    overrides.set('/models/tiny/weights/group2-shard1of1.bin', (_, response) => response.writeHead(503).end());
    await expect(downloadBackbone({ ...good(), cacheDir })).rejects.toThrow(/503.*group2-shard1of1\.bin/);
    expect(await cacheEntries()).toEqual([]);
  });

  it.each([
    ['a parent folder', '../escape.bin', /leaves the model's folder/],
    ['a folder and back', 'sub/../group1-shard2of2.bin', /leaves the model's folder/],
    ['an encoded parent folder', 'sub/%2E%2E/%2e%2e/escape.bin', /leaves the model's folder/],
    ['another host', 'http://elsewhere.invalid/shard.bin', /points to another host/],
  ])('refuses a shard path into %s before fetching any shard', async (_, bad, message) => {
    const evil = tinyModel(['group1-shard1of2.bin', bad]).modelJson;
    overrides.set('/models/evil/model.json', (_, response) => response.end(evil));
    await expect(downloadBackbone({ url: `${origin}/models/evil/model.json`, sha256: sha256(evil), cacheDir })).rejects.toThrow(message);
    expect(requests).toEqual(['/models/evil/model.json']);
    expect(await cacheEntries()).toEqual([]);
  });

  it('refuses non-http URLs', async () => {
    await expect(downloadBackbone({ url: 'file:///etc/passwd', sha256: good().sha256, cacheDir })).rejects.toThrow(/only be downloaded over http or https/);
  });

  it('refuses a download whose total differs from the given size', async () => {
    await expect(downloadBackbone({ ...good(), size: model.total + 1, cacheDir })).rejects.toThrow(`is ${model.total} bytes (model.json plus weight shards), but ${model.total + 1} bytes were expected`);
    expect(await cacheEntries()).toEqual([]);
  });

  it('stops mid-shard when aborted and leaves nothing, then a later download completes', async () => {
    const controller = new AbortController();
    let partialSeen = false;
    overrides.set('/models/tiny/group1-shard2of2.bin', (_, response) => {
      response.writeHead(200, { 'content-length': 6640 });
      response.write(model.shards['group1-shard2of2.bin']!.subarray(0, 3000), async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const [partial] = (await cacheEntries()).filter((e) => e.startsWith('.partial-'));
        partialSeen = partial !== undefined && (await fs.readdir(path.join(cacheDir, partial))).includes('group1-shard2of2.bin');
        controller.abort(); // the response is never finished: only the abort can end the download
      });
    });
    const attempt = downloadBackbone({ ...good(), cacheDir, signal: controller.signal });
    await expect(attempt).rejects.toMatchObject({ code: 'cancelled' });
    expect(partialSeen).toBe(true);
    expect(await cacheEntries()).toEqual([]);

    overrides.clear();
    expect(await downloadBackbone({ ...good(), cacheDir })).toMatchObject({ fromCache: false, bytes: model.total });
  });
});
