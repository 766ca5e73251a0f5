import type { ImportReport } from '../../shared/import-report';
import type { RunningJob } from '../jobs/runner';
import type { Workspace } from './workspace';
import { startedJob } from './jobs';
import type { Validated } from './operation';

export function importOperations(workspace: Workspace) {
  /** Imports a folder (recursively, with an optional label file) as a job. */
  const run = ({ projectId, folder, labelsFile }: Validated<'imports.start'>): RunningJob<ImportReport> =>
    workspace.startImport({ project: workspace.store.projects.get(projectId), folder, labelsFile });
  return {
    run,
    start: (request: Validated<'imports.start'>) => startedJob(workspace, run(request)),
  };
}
