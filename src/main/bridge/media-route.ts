import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { MEDIA_KINDS, type MediaKind } from '../../shared/api';
import { notFound } from '../../shared/errors';
import { isModelMedia, mediaFile, modelMediaFile, parseMediaQuery } from '../media';
import type { Workspace } from '../app/workspace';

/** Media are per-session and may change meaning if the data directory is replaced: cache, but always revalidate. */
const CACHE_CONTROL = 'private, no-cache';

/** `/media/<kind>/<imageId>`, or null when the rest of the path does not name one. */
export function parseMediaPath(rest: string): { kind: MediaKind; imageId: number } | null {
  const match = /^([a-z]+(?:-[a-z]+)*)\/([1-9][0-9]{0,15})$/.exec(rest);
  if (!match || !(MEDIA_KINDS as readonly string[]).includes(match[1]!)) return null;
  const imageId = Number(match[2]);
  return Number.isSafeInteger(imageId) ? { kind: match[1] as MediaKind, imageId } : null;
}

/**
 * A thumbnail, display copy or preprocessed view, streamed from the cache. The ETag is the kind and the
 * image's content hash, so a revalidation is answered (304) without making or reading the cached copy.
 * A model's kinds (Grad-CAM heat map, model input) name the model in the query (`?model=&class=`); they
 * are only read from the cache, and their ETag also names the model, class and when the file was made.
 * Throws what the store and `mediaFile` throw (a GradedeskError `not-found` for an unknown image, model
 * or a query that does not name them).
 */
export async function serveMedia(
  workspace: Workspace,
  { kind, imageId }: { kind: MediaKind; imageId: number },
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const query = parseMediaQuery(kind, new URL(request.url ?? '/', 'http://bridge.invalid').searchParams);
  if (!query.ok) throw notFound(query.problem);
  const modelFile = query.model && isModelMedia(kind) ? modelMediaFile(workspace, kind, imageId, query.model) : null;
  const etag = modelFile?.etag ?? `"${kind}-${workspace.store.images.get(imageId).sha256}"`;
  if (matchesEtag(request.headers['if-none-match'], etag)) {
    response.writeHead(304, { ETag: etag, 'Cache-Control': CACHE_CONTROL });
    return void response.end();
  }
  const { file, contentType } = modelFile ?? (await mediaFile(workspace, kind, imageId));
  const { size } = await fs.promises.stat(file);
  response.writeHead(200, { 'Content-Type': contentType, 'Content-Length': size, ETag: etag, 'Cache-Control': CACHE_CONTROL });
  if (request.method === 'HEAD') return void response.end();
  await pipeline(fs.createReadStream(file), response);
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}
