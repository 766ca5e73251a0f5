import type { JobSnapshot } from '../../shared/api';
import type { Progress } from '../../shared/jobs';
import type { JobInfo, RunningJob } from '../jobs/runner';
import type { Workspace } from './workspace';
import type { Validated } from './operation';

/** A job as the windows see it: with its import report once an import has ended. */
export function jobSnapshot(workspace: Workspace, info: JobInfo): JobSnapshot {
  return {
    ...info,
    report: info.kind === 'import' && info.state !== 'running' ? (workspace.jobs.result(info.id, 'import') ?? null) : null,
  };
}

/** A job just started, as an api call answers it: its failure reaches the windows as a `job.finished` event, not here. */
export function startedJob(workspace: Workspace, job: RunningJob<unknown>): JobSnapshot {
  job.done.catch(() => undefined);
  return jobSnapshot(workspace, job.info);
}

export function jobOperations(workspace: Workspace) {
  const snapshot = (info: JobInfo) => jobSnapshot(workspace, info);
  return {
    list: (_request: Validated<'jobs.list'>): JobSnapshot[] => workspace.jobs.list().map(snapshot),
    cancel: ({ jobId }: Validated<'jobs.cancel'>): JobSnapshot => snapshot(workspace.jobs.cancel(jobId)),
    /** Calls `onProgress` with each progress report of one job; returns the function that stops it. */
    watch(jobId: string, onProgress: (progress: Progress) => void): () => void {
      const listener = (info: JobInfo) => {
        if (info.id === jobId && info.progress) onProgress(info.progress);
      };
      workspace.jobs.on('progress', listener);
      return () => workspace.jobs.off('progress', listener);
    },
  };
}
