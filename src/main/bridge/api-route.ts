import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiResult } from '../../shared/api';
import { dispatch } from '../api/dispatch';
import type { Handlers } from '../api/handlers';
import type { Person } from '../../shared/people';
import { sendJson, statusOf } from './responses';

/** Large enough for bulk grading of 100,000 images in one call. */
export const MAX_BODY_BYTES = 1024 * 1024;

const refusal = (message: string): ApiResult<never> => ({ ok: false, error: { code: 'bad-request', message } });

/** `POST /api/<method>` with a JSON body: one call of the api table, made as `person` on a team server, answered with its ApiResult. */
export async function serveApiCall(handlers: Handlers, method: string, request: IncomingMessage, response: ServerResponse, person?: Person): Promise<void> {
  if (request.method !== 'POST') {
    return sendJson(response, 405, refusal('Calls are made with POST.'), { Allow: 'POST' });
  }
  const body = await readJsonBody(request, MAX_BODY_BYTES, `The body of ${method}`);
  if (!body.ok) return sendJson(response, body.status, refusal(body.message));
  const result = await dispatch(handlers, method, body.value, person);
  sendJson(response, statusOf(result), result);
}

export type JsonBody = { ok: true; value: unknown } | { ok: false; status: 400 | 413 | 415; message: string };

/** A request's JSON body, or why it is refused: another content type, too large, or not JSON. */
export async function readJsonBody(request: IncomingMessage, limit: number, what = 'The body'): Promise<JsonBody> {
  // A JSON content type also makes a cross-origin browser request need a CORS preflight, which the bridge never grants.
  if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
    return { ok: false, status: 415, message: 'Calls carry a JSON body (Content-Type: application/json).' };
  }
  const body = await readBody(request, limit);
  if (body === 'too-large') {
    const size = limit >= 1024 * 1024 ? `${limit / 1024 / 1024} MB` : `${limit / 1024} KB`;
    return { ok: false, status: 413, message: `The request is larger than ${size}.` };
  }
  try {
    return { ok: true, value: body.length ? JSON.parse(body.toString('utf8')) : undefined };
  } catch {
    return { ok: false, status: 400, message: `${what} is not valid JSON.` };
  }
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
