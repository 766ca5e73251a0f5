/** Which finished jobs change what the Library and Review show of the active model's predictions. */
import type { JobInfo, JobKind } from '../../../../shared/jobs';

const PREDICTING_KINDS: readonly JobKind[] = ['training', 'prediction'];

/** A training run (which may bring a new active model) or a prediction run of this project ended. */
export function changesPredictions(job: Pick<JobInfo, 'kind' | 'projectId'>, projectId: number): boolean {
  return PREDICTING_KINDS.includes(job.kind) && (job.projectId === null || job.projectId === projectId);
}
