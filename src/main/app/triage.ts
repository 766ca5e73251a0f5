import { triagePosition, triageQueue } from '../ml/triage/triage';
import type { Workspace } from './workspace';
import type { Validated } from './operation';

export function triageOperations({ store }: Workspace) {
  return {
    queue: ({ projectId, order, ...options }: Validated<'triage.queue'>) => triageQueue(store, projectId, order, options),
    locate: ({ projectId, order, imageId, includeReviewed }: Validated<'triage.locate'>) => triagePosition(store, projectId, order, imageId, { includeReviewed }),
  };
}
