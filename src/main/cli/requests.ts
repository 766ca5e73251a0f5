import type { Method, RequestOf } from '../../shared/api';
import { invalid } from '../../shared/errors';
import type { App } from '../app';
import type { Validated } from '../app/operation';
import type { RunningJob } from '../jobs/runner';
import { parseRequest } from '../api/dispatch';
import { progressPrinter, type CliIO } from './output';

/** A command's request to the app, checked by the same schema as the api's, so both doors accept the same. */
export function checked<M extends Method>(method: M, request: RequestOf<M>): Validated<M> {
  const parsed = parseRequest(method, request);
  if (!parsed.ok) throw invalid(parsed.problem);
  return parsed.request;
}

/** Shows a job's progress until it ends; Ctrl+C cancels it (what it finished is kept) unless told otherwise. */
export async function followJob<T>(app: App, job: RunningJob<T>, io: CliIO, { cancelOnInterrupt = true } = {}): Promise<T> {
  const progress = progressPrinter(io);
  const stopWatching = app.jobs.watch(job.info.id, progress.update);
  const cancel = () => app.jobs.cancel({ jobId: job.info.id });
  if (cancelOnInterrupt) process.once('SIGINT', cancel);
  try {
    return await job.done;
  } finally {
    progress.end();
    stopWatching();
    process.off('SIGINT', cancel);
  }
}
