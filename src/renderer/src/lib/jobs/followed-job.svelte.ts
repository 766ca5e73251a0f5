/**
 * One kind of job this window follows (an import, training, prediction, Grad-CAM…): the one it started,
 * or one found running. It lives outside the views so that switching views keeps it, and is caught up from
 * the job list after a reload.
 */
import type { JobSnapshot } from '../../../../shared/api';
import type { JobKind } from '../../../../shared/jobs';
import { call, errorSentence } from '../api';
import { follows, isStale } from './job-follow';

export class FollowedJob {
  job = $state<JobSnapshot | null>(null);
  starting = $state(false);
  /** Why the last start or cancel was refused, as main said it. */
  error = $state('');

  /**
   * `holdEnded`: an ended job stays followed until cleared (the import's report waits to be dismissed)
   * rather than giving way to the next running job of its kind.
   */
  constructor(
    readonly kind: JobKind,
    private readonly changed: (job: JobSnapshot, previous: JobSnapshot | null) => void = () => undefined,
    private readonly holdEnded = false,
  ) {}

  get running(): boolean {
    return this.starting || this.job?.state === 'running';
  }

  /** Takes an event's snapshot if it concerns the job followed. */
  offer(job: JobSnapshot): void {
    if (follows(this.kind, this.job, this.starting, job, this.holdEnded) && !isStale(this.job, job)) this.adopt(job);
  }

  /** Follows this job from now on (one found in the job list after a reload). */
  adopt(job: JobSnapshot): void {
    const previous = this.job;
    this.job = job;
    this.changed(job, previous);
  }

  /** Catches up from the job list: the followed job's latest state, else the one `pick` finds. */
  catchUp(jobs: readonly JobSnapshot[], pick: (jobs: readonly JobSnapshot[]) => JobSnapshot | null): void {
    const followed = this.job && jobs.find((job) => job.id === this.job!.id);
    if (followed) this.offer(followed);
    if (this.job?.state === 'running' || this.starting || (this.holdEnded && this.job)) return;
    const found = pick(jobs);
    if (found && found.id !== this.job?.id) this.adopt(found);
  }

  async start(request: () => Promise<JobSnapshot>): Promise<JobSnapshot | null> {
    this.error = '';
    this.starting = true;
    this.job = null;
    try {
      const job = await request();
      // A progress or finished event may have arrived first: keep the newer snapshot.
      if ((this.job as JobSnapshot | null)?.id !== job.id) this.adopt(job);
      return job;
    } catch (error) {
      this.error = errorSentence(error);
      return null;
    } finally {
      this.starting = false;
    }
  }

  async cancel(): Promise<void> {
    const job = this.job;
    if (!job || job.state !== 'running') return;
    try {
      await call('jobs.cancel', { jobId: job.id });
    } catch (error) {
      this.error = errorSentence(error);
    }
  }

  clear(): void {
    this.job = null;
    this.error = '';
  }
}
