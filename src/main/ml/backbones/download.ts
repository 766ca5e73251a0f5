import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { GradedeskError, invalid } from '../../../shared/errors';
import { ProgressMeter, throttled, type Progress } from '../../jobs/progress';

export interface BackboneDownload {
  /** URL of a tfjs-format model.json; its shards are fetched relative to it. */
  url: string;
  /** Expected sha256 of model.json, hex. */
  sha256: string;
  /** Expected total bytes of model.json plus shards. */
  size?: number;
  cacheDir: string;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export interface DownloadedBackbone {
  modelJsonPath: string;
  bytes: number;
  fromCache: boolean;
}

const PHASE = 'Downloading backbone';
const MARKER = 'complete.json';

/** Bytes per stored value. `string` weights have no fixed size and are not supported. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, float16: 2, uint16: 2, uint8: 1 };

const manifestSchema = z.object({
  weightsManifest: z.array(
    z.object({
      paths: z.array(z.string()).min(1),
      weights: z.array(
        z.object({
          name: z.string(),
          shape: z.array(z.number().int().nonnegative()),
          dtype: z.string(),
          quantization: z.object({ dtype: z.enum(['uint8', 'uint16', 'float16']) }).loose().optional(),
        }).loose(),
      ),
    }).loose(),
  ),
}).loose();

/**
 * Downloads a tfjs backbone into `<cacheDir>/<sha256 of model.json>/`, verifying model.json's hash and
 * every weight group's byte length. Files are written to a temp dir that is renamed into place only
 * once complete (marker written last), so a crash or cancel never leaves a model that looks usable.
 */
export async function downloadBackbone(options: BackboneDownload): Promise<DownloadedBackbone> {
  const { url, cacheDir, signal } = options;
  const expected = options.sha256.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) throw invalid(`The expected sha256 "${options.sha256}" is not 64 hexadecimal characters.`);
  const base = parseHttpUrl(url);
  const finalDir = path.join(cacheDir, expected);
  const modelJsonPath = path.join(finalDir, 'model.json');
  const cached = await readMarker(finalDir);
  if (cached) return { modelJsonPath, bytes: cached.bytes, fromCache: true };

  const tempDir = path.join(cacheDir, `.partial-${expected.slice(0, 12)}-${randomBytes(6).toString('hex')}`);
  let current = url;
  try {
    const modelJson = Buffer.from(await (await fetchOk(url, signal)).arrayBuffer());
    const actual = createHash('sha256').update(modelJson).digest('hex');
    if (actual !== expected) throw invalid(`The model.json at ${url} has sha256 ${actual}, but ${expected} was expected.`);

    const groups = shardGroups(modelJson, base);
    const total = modelJson.length + groups.reduce((sum, g) => sum + g.bytes, 0);
    if (options.size !== undefined && options.size !== total) {
      throw invalid(`The backbone at ${url} is ${total} bytes (model.json plus weight shards), but ${options.size} bytes were expected.`);
    }

    const meter = new ProgressMeter(PHASE, total);
    const report = throttled((p) => options.onProgress?.(p));
    await fs.mkdir(tempDir, { recursive: true });
    await fs.writeFile(path.join(tempDir, 'model.json'), modelJson);
    meter.done = modelJson.length;
    report(meter.snapshot(), true);

    for (const group of groups) {
      let written = 0;
      for (const shard of group.shards) {
        current = shard.url;
        const response = await fetchOk(current, signal);
        const announced = Number(response.headers.get('content-length') ?? NaN);
        if (announced > group.bytes - written) throw tooLong(shard.url, group.bytes);
        const file = path.join(tempDir, ...shard.relative.split('/'));
        await fs.mkdir(path.dirname(file), { recursive: true });
        const handle = await fs.open(file, 'wx');
        try {
          for await (const chunk of response.body ?? []) {
            signal?.throwIfAborted();
            written += chunk.length;
            if (written > group.bytes) throw tooLong(shard.url, group.bytes);
            await handle.write(chunk);
            meter.done += chunk.length;
            report(meter.snapshot());
          }
        } finally {
          await handle.close();
        }
      }
      if (written !== group.bytes) {
        throw invalid(`The weight shards ${group.shards.map((s) => s.url).join(', ')} hold ${written} bytes, but the manifest in ${url} implies ${group.bytes}.`);
      }
    }

    await fs.writeFile(path.join(tempDir, MARKER), JSON.stringify({ url, sha256: expected, bytes: total, completedAt: new Date().toISOString() }));
    if (await readMarker(finalDir)) {
      await fs.rm(tempDir, { recursive: true, force: true }); // another download of the same model finished first
      return { modelJsonPath, bytes: total, fromCache: true };
    }
    await fs.rm(finalDir, { recursive: true, force: true }); // an unmarked leftover is never trusted
    await fs.rename(tempDir, finalDir);
    return { modelJsonPath, bytes: total, fromCache: false };
  } catch (error) {
    await fs.rm(tempDir, { recursive: true, force: true });
    if (signal?.aborted) throw new GradedeskError('cancelled', `The download of the backbone at ${url} was cancelled.`);
    if (error instanceof GradedeskError) throw error;
    const cause = (error as Error).cause; // fetch hides the network reason (refused, reset, cut short) here
    throw invalid(`Could not download ${current} (${cause instanceof Error ? cause.message : (error as Error).message}).`);
  }
}

interface ShardGroup {
  bytes: number;
  shards: Array<{ url: string; relative: string }>;
}

/** Resolves each group's shard URLs and the bytes its weights take on disk. */
function shardGroups(modelJson: Buffer, base: URL): ShardGroup[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(modelJson.toString('utf8'));
  } catch {
    throw invalid(`The file at ${base.href} is not valid JSON.`);
  }
  const manifest = manifestSchema.safeParse(parsed);
  if (!manifest.success) throw invalid(`The model.json at ${base.href} has no valid tfjs weightsManifest.`);
  const dir = base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1);
  return manifest.data.weightsManifest.map((group) => ({
    bytes: group.weights.reduce((sum, w) => {
      const perValue = DTYPE_BYTES[w.quantization?.dtype ?? w.dtype];
      if (perValue === undefined) throw new GradedeskError('unsupported', `The weight "${w.name}" in ${base.href} has dtype "${w.dtype}", which cannot be downloaded.`);
      return sum + w.shape.reduce((n, d) => n * d, 1) * perValue;
    }, 0),
    shards: group.paths.map((p) => {
      // URL resolution silently removes `..`, so look at the path as written.
      if (/(^|[\\/])(\.|%2e){2}([\\/?#]|$)/i.test(p)) throw invalid(`The weight shard path "${p}" in ${base.href} leaves the model's folder.`);
      const resolved = new URL(p, base);
      if (resolved.origin !== base.origin) throw invalid(`The weight shard "${p}" in ${base.href} points to another host.`);
      if (!resolved.pathname.startsWith(dir)) throw invalid(`The weight shard path "${p}" in ${base.href} leaves the model's folder.`);
      const relative = decodeURIComponent(resolved.pathname.slice(dir.length));
      if (!relative || relative.split('/').some((s) => s === '' || s === '..' || s.includes('\\'))) {
        throw invalid(`The weight shard path "${p}" in ${base.href} is not a plain relative file path.`);
      }
      return { url: resolved.href, relative };
    }),
  }));
}

function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`"${url}" is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(`Backbones can only be downloaded over http or https, not from ${url}.`);
  return parsed;
}

async function fetchOk(url: string, signal: AbortSignal | undefined): Promise<Response> {
  const response = await fetch(url, { signal });
  if (!response.ok) {
    await response.body?.cancel();
    throw invalid(`The server answered ${[response.status, response.statusText].join(' ').trim()} for ${url}.`);
  }
  return response;
}

const tooLong = (url: string, bytes: number) => invalid(`The weight shard ${url} is longer than the ${bytes} bytes its manifest implies.`);

async function readMarker(dir: string): Promise<{ bytes: number } | null> {
  try {
    const marker = JSON.parse(await fs.readFile(path.join(dir, MARKER), 'utf8')) as { bytes?: unknown };
    await fs.access(path.join(dir, 'model.json'));
    return typeof marker.bytes === 'number' ? { bytes: marker.bytes } : null;
  } catch {
    return null;
  }
}
