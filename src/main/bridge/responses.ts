import type { ServerResponse } from 'node:http';
import type { ApiResult } from '../../shared/api';
import { contentSecurityPolicy } from '../security/csp';

/** Sent on every HTTP response of the bridge, the renderer's files and refusals alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy('browser'),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  // Another port of 127.0.0.1 is the same site: without this, its pages could embed media and learn which images exist.
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

export function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  response.end(`${text}\n`);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
}

/** The HTTP status of an api result, so that the network panel and proxies see failures as failures. */
export function statusOf(result: ApiResult<unknown>): number {
  if (result.ok) return 200;
  switch (result.error.code) {
    case 'bad-request':
      return 400;
    case 'forbidden':
      return 403;
    case 'not-found':
      return 404;
    case 'conflict':
    case 'cancelled':
      return 409;
    case 'invalid':
      return 422;
    case 'unsupported':
      return 501;
    case 'disk-full':
      return 507;
    case 'read-only':
    case 'damaged':
      return 503;
    case 'internal':
      return 500;
  }
}
