import { agreementSummary } from '../ml/evaluate/agreement-summary';
import type { Workspace } from './workspace';
import type { Validated } from './operation';

export function agreementOperations({ store }: Workspace) {
  return {
    /** How far the project's readers agree with each other, and they and the active model with the reference label. */
    summary: ({ projectId }: Validated<'agreement.summary'>) => agreementSummary(store, projectId),
  };
}
