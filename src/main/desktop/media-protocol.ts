import fs from 'node:fs/promises';
import { MEDIA_KINDS, type MediaKind } from '../../shared/api';
import { GradedeskError } from '../../shared/errors';
import { isModelMedia, mediaFile, modelMediaFile, parseMediaQuery } from '../media';
import type { Workspace } from '../app/workspace';

const MEDIA_PATH = /^\/([a-z]+(?:-[a-z]+)*)\/([1-9][0-9]{0,15})$/;

/** `gradedesk://media/<kind>/<imageId>` → kind and id; null for anything else (a path, `..`, a bad id). */
export function parseMediaUrl(url: string): { kind: MediaKind; imageId: number } | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'gradedesk:' || parsed.host.toLowerCase() !== 'media') return null;
  const match = MEDIA_PATH.exec(parsed.pathname);
  if (!match) return null;
  const kind = MEDIA_KINDS.find((known) => known === match[1]);
  const imageId = Number(match[2]);
  return kind && Number.isSafeInteger(imageId) ? { kind, imageId } : null;
}

const status = (code: number, text: string) =>
  new Response(text, { status: code, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });

/** Whether an If-None-Match header (a list of tags, possibly weak, or `*`) names `etag`. */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

const isMissing = (error: unknown) =>
  (error instanceof GradedeskError && error.code === 'not-found') || (error as NodeJS.ErrnoException)?.code === 'ENOENT';

/**
 * Answers the `gradedesk:` protocol: an image's thumbnail, display copy or preprocessed view, always
 * found by image id (the renderer never names a path). Unknown URLs and ids, images that failed to
 * import and originals that have since disappeared are 404. The body is revalidated by ETag (the kind
 * and the image's content hash), so an unchanged image is answered with 304 and never re-read.
 * A model's kinds (Grad-CAM heat map, model input) also name the model in the query (`?model=&class=`);
 * they are only read from the cache, and a map not made yet, an unknown model or class are 404 that say so.
 */
export async function handleMediaRequest(workspace: Workspace, request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return status(405, 'Only GET and HEAD are supported.');
  const media = parseMediaUrl(request.url);
  if (!media) return status(404, 'No such media.');
  const query = parseMediaQuery(media.kind, new URL(request.url).searchParams);
  if (!query.ok) return status(404, query.problem);
  try {
    const image = workspace.store.images.get(media.imageId);
    if (image.status !== 'ok') return status(404, 'This image could not be imported.');
    const modelFile = query.model && isModelMedia(media.kind) ? modelMediaFile(workspace, media.kind, media.imageId, query.model) : null;
    const headers = {
      'Cache-Control': 'private, no-cache',
      ETag: modelFile?.etag ?? `"${media.kind}-${image.sha256}"`,
      'X-Content-Type-Options': 'nosniff',
    };
    if (matches(request.headers.get('If-None-Match'), headers.ETag)) return new Response(null, { status: 304, headers });
    const { file, contentType } = modelFile ?? (await mediaFile(workspace, media.kind, media.imageId));
    const body = await fs.readFile(file);
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: { ...headers, 'Content-Type': contentType, 'Content-Length': String(body.byteLength) },
    });
  } catch (error) {
    if (error instanceof GradedeskError && error.code === 'not-found' && isModelMedia(media.kind)) return status(404, error.message);
    if (isMissing(error)) return status(404, 'No such image.');
    console.error(`gradedesk: media ${request.url} failed`, error);
    return status(500, 'The image could not be prepared; the details are in the log.');
  }
}
