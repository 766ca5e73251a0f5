/** Feeds job events to the jobs a window follows, and catches up from the job list when events were lost. */
import type { JobSnapshot } from '../../../../shared/api';
import { call, on } from '../api';
import type { FollowedJob } from './followed-job.svelte';

/** Hands the job list to `catchUp`, which gives it to each followed job with how that one picks a job to take up. */
export async function catchUpFromJobList(catchUp: (jobs: readonly JobSnapshot[]) => void): Promise<void> {
  let jobs: JobSnapshot[];
  try {
    jobs = await call('jobs.list', {});
  } catch {
    return; // Main is unreachable for now; the next catch-up will tell.
  }
  catchUp(jobs);
}

/**
 * Offers every job event to `followed` for the rest of the window's life, and catches up from the job list
 * now and every 5 s while one of them runs: events sent while the browser's event socket reconnects are
 * lost, and the job list has the truth.
 */
export function watchJobs(followed: readonly FollowedJob[], catchUp: (jobs: readonly JobSnapshot[]) => void): void {
  for (const event of ['job.progress', 'job.finished'] as const) on(event, (job) => followed.forEach((f) => f.offer(job)));
  void catchUpFromJobList(catchUp);
  setInterval(() => {
    if (followed.some((f) => f.job?.state === 'running')) void catchUpFromJobList(catchUp);
  }, 5000);
}
