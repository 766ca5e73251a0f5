import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ApiResult } from '../../shared/api';
import { MAX_PASSWORD_LENGTH, type Person, type SignInState } from '../../shared/people';
import { SESSION_HOURS, type PeopleOperations, type StartedSession } from '../app/people';
import { readJsonBody } from './api-route';
import { clearedSessionCookie, cookieValue, SESSION_COOKIE, sessionCookie } from './cookies';
import { sendJson, sendText } from './responses';
import { SignInLimiter } from './sign-in-limiter';

const signInRequest = z.object({ name: z.string().trim().min(1).max(80), password: z.string().min(1).max(MAX_PASSWORD_LENGTH) }).strict();

const failure = (code: 'bad-request' | 'invalid' | 'forbidden', message: string): ApiResult<never> => ({ ok: false, error: { code, message } });

const WRONG = 'That name and password do not match anyone who may sign in here.';

/**
 * Team mode's sign-in, in one place: who a request comes from (the session cookie), and the routes
 * `GET /session` (am I signed in?), `POST /session/sign-in`, `POST /session/sign-out` and
 * `GET /session/link?token=` (a personal one-time link).
 */
export class TeamSessions {
  private readonly limiter: SignInLimiter;

  constructor(
    private readonly people: PeopleOperations,
    private readonly secure: boolean,
    limiter?: SignInLimiter,
  ) {
    this.limiter = limiter ?? new SignInLimiter();
  }

  /** The signed-in person of a request, or null. */
  personOf(request: IncomingMessage): Person | null {
    const secret = cookieValue(request, SESSION_COOKIE);
    return secret ? this.people.sessionPerson(secret) : null;
  }

  /** Whether the session the request was made with is still live (checked before each event a socket sends). */
  liveness(request: IncomingMessage): () => boolean {
    const secret = cookieValue(request, SESSION_COOKIE) ?? '';
    return () => this.people.sessionPerson(secret) !== null;
  }

  /** Answers a `/session…` route. */
  async serve(rest: string, url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const route = `${request.method} ${rest}`;
    switch (route) {
      case 'GET ':
        return sendJson(response, 200, { ok: true, value: this.state(request) });
      case 'POST sign-in':
        return this.signIn(request, response);
      case 'POST sign-out':
        return this.signOut(request, response);
      case 'GET link':
        return this.redeemLink(url.searchParams.get('token') ?? '', response);
      default:
        return sendText(response, 404, 'There is no such sign-in page.');
    }
  }

  private state(request: IncomingMessage): SignInState {
    return { team: true, person: this.personOf(request) };
  }

  private async signIn(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJsonBody(request, 16 * 1024);
    if (!body.ok) return sendJson(response, body.status, failure('bad-request', body.message));
    const parsed = signInRequest.safeParse(body.value);
    if (!parsed.success) return sendJson(response, 400, failure('bad-request', 'Sign in with a name and a password.'));
    const { name, password } = parsed.data;
    const address = request.socket.remoteAddress ?? 'unknown';
    const wait = this.limiter.waitSeconds(name, address);
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60);
      return sendJson(response, 429, failure('forbidden', `Too many failed sign-ins; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`), {
        'Retry-After': String(wait),
      });
    }
    const session = await this.people.signIn(name, password);
    if (!session) {
      this.limiter.recordFailure(name, address);
      return sendJson(response, 401, failure('invalid', WRONG));
    }
    this.limiter.recordSuccess(name);
    sendJson(response, 200, { ok: true, value: { team: true, person: session.person } satisfies SignInState }, { 'Set-Cookie': this.cookie(session) });
  }

  private signOut(request: IncomingMessage, response: ServerResponse): void {
    const secret = cookieValue(request, SESSION_COOKIE);
    if (secret) this.people.signOut(secret);
    sendJson(response, 200, { ok: true, value: { team: true, person: null } satisfies SignInState }, { 'Set-Cookie': clearedSessionCookie(this.secure) });
  }

  private redeemLink(secret: string, response: ServerResponse): void {
    const session = secret ? this.people.redeemLink(secret) : null;
    if (!session) return sendText(response, 401, 'This sign-in link has been used or has expired; ask an admin for a new one.');
    response.writeHead(303, { Location: '/', 'Set-Cookie': this.cookie(session), 'Cache-Control': 'no-store' });
    response.end();
  }

  private cookie(session: StartedSession): string {
    const maxAgeSeconds = Math.min(SESSION_HOURS * 3600, Math.round((Date.parse(session.expiresAt) - Date.now()) / 1000));
    return sessionCookie(session.secret, { maxAgeSeconds, secure: this.secure });
  }
}
