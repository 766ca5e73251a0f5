import type { Workspace } from '../app/workspace';
import type { ApiEvents } from './events';

/**
 * Announces writes made by another process on the same data directory (the CLI grading while the app
 * is open, a second window): SQLite's `data_version` changes only for commits by other connections.
 * Returns the function that stops watching.
 */
export function watchExternalChanges(workspace: Workspace, events: ApiEvents, intervalMs = 1500): () => void {
  const { dataVersion } = workspace.store;
  let last = dataVersion.committedByOthers();
  const timer = setInterval(() => {
    const current = dataVersion.committedByOthers();
    if (current === last) return;
    last = current;
    events.emit('data.changed', { projectId: null, imageIds: null, what: 'labels' });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
