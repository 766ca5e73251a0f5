/** What kind of failure a user-facing error is; adapters map it (CLI exit code, IPC error type, HTTP status). */
export type ErrorCode = 'not-found' | 'invalid' | 'conflict' | 'unsupported' | 'cancelled';

/** An error whose message is one clear sentence meant for the user. Anything else is a bug. */
export class GradedeskError extends Error {
  override name = 'GradedeskError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (message: string) => new GradedeskError('not-found', message);
export const invalid = (message: string) => new GradedeskError('invalid', message);
export const conflict = (message: string) => new GradedeskError('conflict', message);
