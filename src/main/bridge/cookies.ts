import type { IncomingMessage } from 'node:http';

/** The cookie of a browser session: set by the tokened link (single-token mode) or by signing in (team mode). */
export const SESSION_COOKIE = 'gd_session';

/** HttpOnly (page scripts never see it), SameSite=Strict (other sites' requests never carry it), Secure over TLS. */
export function sessionCookie(secret: string, { maxAgeSeconds, secure }: { maxAgeSeconds?: number; secure?: boolean } = {}): string {
  return [`${SESSION_COOKIE}=${secret}`, 'HttpOnly', 'SameSite=Strict', 'Path=/', ...(maxAgeSeconds === undefined ? [] : [`Max-Age=${maxAgeSeconds}`]), ...(secure ? ['Secure'] : [])].join('; ');
}

/** Tells the browser to forget the session cookie. */
export const clearedSessionCookie = (secure: boolean): string => sessionCookie('', { maxAgeSeconds: 0, secure });

export function cookieValue(request: IncomingMessage, name: string): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}
