import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { GradedeskError } from '../../shared/errors';
import { storageFailure } from '../store/failures';
import type { JobInfo, JobKind, JobState, Progress } from '../../shared/jobs';

export type { JobInfo, JobState };


export interface JobContext {
  signal: AbortSignal;
  progress: (progress: Progress) => void;
}

export interface RunningJob<T> {
  info: JobInfo;
  /** Settles with the job's result; rejects only for failures (a cancelled job resolves with its partial result). */
  done: Promise<T>;
}

interface JobEvents {
  progress: [JobInfo];
  finished: [JobInfo];
}

/** What each kind of job returns when it ends, as the runner's owner declares it. */
export type JobResults = Record<JobKind, unknown>;

/** Finished jobs' results, one map per kind, so that a result is read back with its kind's type. */
type ResultsByKind<Results extends JobResults> = { [K in JobKind]: Map<string, Results[K]> };

/** Keeps track of long-running work: progress events, cancellation, and how each job ended. */
export class JobRunner<Results extends JobResults> extends EventEmitter<JobEvents> {
  private readonly jobs = new Map<string, { info: JobInfo; controller: AbortController; settled: Promise<unknown> }>();
  private readonly results: ResultsByKind<Results> = {
    import: new Map(),
    training: new Map(),
    'lr-finder': new Map(),
    prediction: new Map(),
    gradcam: new Map(),
    embedding: new Map(),
  };

  start<K extends JobKind>(
    kind: K,
    title: string,
    work: (context: JobContext) => Promise<Results[K]>,
    about: { projectId?: number; details?: Record<string, string> } = {},
  ): RunningJob<Results[K]> {
    const controller = new AbortController();
    const info: JobInfo = {
      id: randomUUID(),
      kind,
      title,
      projectId: about.projectId ?? null,
      details: about.details ?? {},
      state: 'running',
      progress: null,
      error: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    const job = { info, controller, settled: Promise.resolve() as Promise<unknown> };
    this.jobs.set(info.id, job);
    const progress = (update: Progress) => {
      info.progress = update;
      this.emit('progress', { ...info });
    };
    const finish = (state: JobState, error: string | null) => {
      info.state = state;
      info.error = error;
      info.finishedAt = new Date().toISOString();
      this.emit('finished', { ...info });
    };
    // Start on the next tick, so that callers can subscribe to the job's events before its first report.
    const done = Promise.resolve()
      .then(() => work({ signal: controller.signal, progress }))
      .then(
      (result) => {
        this.results[kind].set(info.id, result);
        finish(controller.signal.aborted ? 'cancelled' : 'done', null);
        return result;
      },
      (error: unknown) => {
        finish('failed', storageFailure(error)?.message ?? (error instanceof Error ? error.message : String(error)));
        throw error;
      },
    );
    job.settled = done.catch(() => undefined);
    return { info, done };
  }

  /** Cancels the running jobs of `kind` and waits for them to end, for at most `graceMs`. */
  async cancelAll(kind: JobKind, graceMs = 10_000): Promise<void> {
    const running = [...this.jobs.values()].filter((job) => job.info.kind === kind && job.info.state === 'running');
    for (const job of running) job.controller.abort();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs).unref()));
    await Promise.race([Promise.all(running.map((job) => job.settled)), grace]);
    clearTimeout(timer);
  }

  cancel(id: string): JobInfo {
    const job = this.job(id);
    job.controller.abort();
    return { ...job.info };
  }

  get(id: string): JobInfo {
    return { ...this.job(id).info };
  }

  /** What a finished job of `kind` returned (undefined while it runs, when it failed, or when it is of another kind). */
  result<K extends JobKind>(id: string, kind: K): Results[K] | undefined {
    this.job(id);
    return this.results[kind].get(id);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map(({ info }) => ({ ...info }));
  }

  private job(id: string) {
    const job = this.jobs.get(id);
    if (!job) throw new GradedeskError('not-found', `There is no job ${id}.`);
    return job;
  }
}
