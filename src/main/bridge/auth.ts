import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The cookie the tokened link sets, so that the token leaves the address bar and page scripts never see it. */
export const SESSION_COOKIE = 'gd_session';

export const newToken = (): string => randomBytes(32).toString('base64url');

/** Constant-time comparison; hashing first gives both sides one length, so not even the length leaks. */
export function sameToken(candidate: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(candidate), digest(token));
}

export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** Whether the request carries the token, as `Authorization: Bearer` or as the session cookie. */
export function isAuthorized(request: IncomingMessage, token: string): boolean {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return sameToken(bearer, token);
  const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
  return cookie !== undefined && sameToken(cookie, token);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}
