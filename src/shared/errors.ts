/** What kind of failure a user-facing error is; adapters map it (CLI exit code, IPC error type, HTTP status). */
export type ErrorCode =
  | 'not-found'
  | 'invalid'
  | 'conflict'
  | 'unsupported'
  | 'cancelled'
  /** The signed-in person may not do this (another person's work, or an admin's). */
  | 'forbidden'
  /** Nothing could be saved: the disk holding the data folder is full. */
  | 'disk-full'
  /** Nothing could be saved: the data folder (or its database) may not be written. */
  | 'read-only'
  /** The data folder's database is damaged; `gradedesk check` says where, `gradedesk restore` recovers. */
  | 'damaged';

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
export const damaged = (message: string) => new GradedeskError('damaged', message);
export const forbidden = (message: string) => new GradedeskError('forbidden', message);
