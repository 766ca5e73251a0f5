import type { ProjectSummary } from '../../shared/api';
import { taskSpecFor, type Project } from '../../shared/domain';
import type { Workspace } from './workspace';
import type { Validated } from './operation';

export function projectOperations(workspace: Workspace) {
  const { store } = workspace;
  const summary = (project: Project): ProjectSummary => ({ ...project, stats: store.stats(project) });
  return {
    list: (_request?: Validated<'projects.list'>): ProjectSummary[] => store.projects.list().map(summary),
    get: ({ projectId }: Validated<'projects.get'>): ProjectSummary => summary(store.projects.get(projectId)),
    /** The project of this name (any case), for the CLI's `--project`. */
    named: (name: string): Project => store.projects.byName(name),
    create({ name, task, classes }: Validated<'projects.create'>): Project {
      const project = store.projects.create(name, taskSpecFor(task, classes));
      workspace.changes.announce({ projectId: project.id, imageIds: null, what: 'projects' });
      return project;
    },
  };
}
