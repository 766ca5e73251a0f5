/**
 * The project list the Projects view shows, kept here rather than in the view so that an import
 * finishing while another view is on screen still refreshes it.
 */
import type { ProjectSummary } from '../../../../shared/api';
import { call, errorSentence } from '../api';
import { session } from '../session.svelte';

export const projects = $state({
  list: [] as ProjectSummary[],
  loaded: false,
  error: '',
});


export async function refreshProjects(): Promise<void> {
  try {
    projects.list = await call('projects.list', {});
    projects.error = '';
  } catch (error) {
    projects.error = errorSentence(error);
  }
  projects.loaded = true;
  // Keep the open project's stats current without disturbing views that watch it when nothing changed.
  const open = session.project && projects.list.find((project) => project.id === session.project!.id);
  if (open && JSON.stringify(open) !== JSON.stringify(session.project)) session.project = open;
}

export function openProject(project: ProjectSummary): void {
  session.project = project;
  session.view = 'library';
}

/** Everything wrong with an image file, added up over its kinds. */
export const importErrorCount = (project: ProjectSummary): number =>
  Object.values(project.stats.errors).reduce((sum, n) => sum + (n ?? 0), 0);
