import { api, isMethod, type ApiResult, type Method } from '../../shared/api';
import type { Validated } from '../app/operation';
import { GradedeskError } from '../../shared/errors';
import type { Person } from '../../shared/people';
import { authorize } from './authorization';
import { storageFailure } from '../store/failures';
import { BLINDNESS_GUARD, type Handlers } from './handlers';

/** A request checked against its method's schema, or the first problem with it in one sentence. */
export function parseRequest<M extends Method>(method: M, payload: unknown): { ok: true; request: Validated<M> } | { ok: false; problem: string } {
  const parsed = api[method].request.safeParse(payload);
  if (parsed.success) return { ok: true, request: parsed.data as Validated<M> };
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length ? ` at "${issue.path.join('.')}"` : '';
  return { ok: false, problem: `Malformed ${method} request${where}: ${issue.message.replace(/\.$/, '')}.` };
}

/**
 * Runs one call from an untrusted renderer: an unknown method or a payload that does not match its
 * schema gets a `bad-request` error naming the problem; user-facing failures keep their code, as do a full
 * disk, a read-only data folder and a damaged database; anything else is an internal error, logged here
 * and never shown as a stack trace. On a team server the call is made as the signed-in `person`, and
 * refused (`forbidden`) when they may not make it. Blind grading is enforced for the person, or (desktop app,
 * single-token mode) for the reader a request names (api/blindness.ts).
 */
export async function dispatch(handlers: Handlers, method: unknown, payload: unknown, person?: Person): Promise<ApiResult<unknown>> {
  if (!isMethod(method)) {
    return { ok: false, error: { code: 'bad-request', message: `Unknown call ${JSON.stringify(method)}.` } };
  }
  const parsed = parseRequest(method, payload ?? {});
  if (!parsed.ok) return { ok: false, error: { code: 'bad-request', message: parsed.problem } };
  try {
    if (person) authorize(method, parsed.request, person);
    const guard = handlers[BLINDNESS_GUARD];
    const viewer = guard?.viewerOf(parsed.request, person) ?? null;
    if (viewer) guard!.check(method, parsed.request, viewer);
    const handler = handlers[method] as (request: unknown) => unknown;
    const answer = await handler(parsed.request);
    return { ok: true, value: viewer ? guard!.trim(method, parsed.request, viewer, answer) : answer };
  } catch (error) {
    const known = error instanceof GradedeskError ? error : storageFailure(error);
    if (known) return { ok: false, error: { code: known.code, message: known.message } };
    console.error(`gradedesk: ${method} failed`, error);
    return { ok: false, error: { code: 'internal', message: `Something went wrong in ${method}; the details are in the log.` } };
  }
}
