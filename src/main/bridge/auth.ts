import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { cookieValue, SESSION_COOKIE } from './cookies';

export { newSecret as newToken } from '../security/tokens';

/** Constant-time comparison; hashing first gives both sides one length, so not even the length leaks. */
export function sameToken(candidate: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(candidate), digest(token));
}

/** Whether the request carries the single token, as `Authorization: Bearer` or as the session cookie. */
export function isAuthorized(request: IncomingMessage, token: string): boolean {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return sameToken(bearer, token);
  const cookie = cookieValue(request, SESSION_COOKIE);
  return cookie !== undefined && sameToken(cookie, token);
}
