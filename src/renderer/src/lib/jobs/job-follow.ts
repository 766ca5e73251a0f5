/** Which job snapshots a followed job takes, so a view can pick up a job after a reload or a view switch. */
import type { JobSnapshot } from '../../../../shared/api';
import type { JobKind } from '../../../../shared/jobs';

/**
 * Whether an event about `job` concerns the job followed. While one runs (or, with `holdEnded`, while an
 * ended one is still shown) only its own events do. Otherwise a job being started here (events can
 * overtake the start call's answer) or any running one of the kind (another window, the CLI) is taken up.
 */
export function follows(kind: JobKind, followed: JobSnapshot | null, starting: boolean, job: JobSnapshot, holdEnded = false): boolean {
  if (job.kind !== kind) return false;
  if (followed?.id === job.id) return true;
  if (followed?.state === 'running' || (holdEnded && followed)) return false;
  return starting || job.state === 'running';
}

/** An event that arrives after the job's end must not bring it back to running. */
export const isStale = (current: JobSnapshot | null, next: JobSnapshot): boolean =>
  current !== null && current.id === next.id && current.state !== 'running' && next.state === 'running';

/** The newest job of a kind in the job list, optionally of one project and only running ones. */
export function latestJob(
  jobs: readonly JobSnapshot[],
  kind: JobKind,
  { projectId, running = false }: { projectId?: number; running?: boolean } = {},
): JobSnapshot | null {
  const matching = jobs.filter(
    (job) => job.kind === kind && (!running || job.state === 'running') && (projectId === undefined || job.projectId === projectId),
  );
  return [...matching].sort((a, b) => a.startedAt.localeCompare(b.startedAt)).at(-1) ?? null;
}

export function endedSentence(job: JobSnapshot, what: string): string {
  if (job.state === 'done') return `${what} finished.`;
  if (job.state === 'cancelled') return `${what} cancelled.`;
  if (job.state === 'failed') return `${what} failed${job.error ? `: ${job.error}` : '.'}`;
  return '';
}
