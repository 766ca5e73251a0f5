import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiResult } from '../../shared/api';
import { dispatch } from '../api/dispatch';
import type { Handlers } from '../api/handlers';
import { sendJson, statusOf } from './responses';

/** Large enough for bulk grading of 100,000 images in one call. */
export const MAX_BODY_BYTES = 1024 * 1024;

const refusal = (message: string): ApiResult<never> => ({ ok: false, error: { code: 'bad-request', message } });

/** `POST /api/<method>` with a JSON body: one call of the api table, answered with its ApiResult. */
export async function serveApiCall(handlers: Handlers, method: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST') {
    return sendJson(response, 405, refusal('Calls are made with POST.'), { Allow: 'POST' });
  }
  // A JSON content type also makes a cross-origin browser request need a CORS preflight, which the bridge never grants.
  if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
    return sendJson(response, 415, refusal('Calls carry a JSON body (Content-Type: application/json).'));
  }
  const body = await readBody(request, MAX_BODY_BYTES);
  if (body === 'too-large') {
    return sendJson(response, 413, refusal(`The request is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.`));
  }
  let payload: unknown;
  try {
    payload = body.length ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    return sendJson(response, 400, refusal(`The body of ${method} is not valid JSON.`));
  }
  const result = await dispatch(handlers, method, payload);
  sendJson(response, statusOf(result), result);
}

/**
 * Reads the whole body, or gives up as soon as it is longer than `limit` bytes; the rest is then
 * drained unread, so that the client gets the 413 rather than a reset connection.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  if (Number(request.headers['content-length'] ?? 0) > limit) {
    request.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      request.off('data', onData);
      request.resume();
      resolve('too-large');
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}
