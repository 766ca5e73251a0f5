/**
 * What Review's Similar cases panel keeps beyond one image: the reader's vote threshold (remembered on
 * this machine, like Review's other settings) and the embedding job followed, which goes on being shown
 * when the reader leaves Review and comes back.
 */
import type { JobSnapshot } from '../../../../shared/api';
import { call, on } from '../api';
import { FollowedJob } from '../jobs/followed-job.svelte';
import { latestJob } from '../jobs/job-follow';
import { parseThreshold } from './similar-text';

const THRESHOLD_KEY = 'gradedesk.review.similarThreshold';

export const similarSettings = $state({
  /** The reader's threshold in percent; null until they choose one, when the server's default applies. */
  threshold: parseThreshold(localStorage.getItem(THRESHOLD_KEY)),
});

/** Takes a threshold from the slider; anything that is not a number leaves it as it was. */
export function chooseThreshold(text: string): void {
  const percent = parseThreshold(text);
  if (percent === null) return;
  similarSettings.threshold = percent;
  localStorage.setItem(THRESHOLD_KEY, String(percent));
}

export const embeddingJob = new FollowedJob('embedding');

/** The embedding job of a project as it stands, if the one followed is that project's. */
export const embeddingJobOf = (projectId: number): JobSnapshot | null =>
  embeddingJob.job?.projectId === projectId ? embeddingJob.job : null;

/**
 * Follows embedding jobs while a panel is on screen, catching up first with the job list (a job that ran
 * or ended while Review was closed). Returns the stop function.
 */
export function watchEmbeddingJobs(): () => void {
  const stops = (['job.progress', 'job.finished'] as const).map((event) => on(event, (job) => embeddingJob.offer(job)));
  call('jobs.list', {}).then(
    (jobs) => embeddingJob.catchUp(jobs, (list) => latestJob(list, 'embedding', { running: true })),
    () => undefined, // Main is unreachable for now; the job's own events will tell.
  );
  return () => stops.forEach((stop) => stop());
}
