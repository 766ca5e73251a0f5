import type { Workspace } from '../app/workspace';
import type { ApiEvents } from './events';

/**
 * Announces writes made by another process on the same data directory (the CLI grading while the app
 * is open, a second window): SQLite's `data_version` changes only for commits by other connections.
 * Returns the function that stops watching.
 */
export function watchExternalChanges(workspace: Workspace, events: ApiEvents, intervalMs = 1500): () => void {
  const version = workspace.store.db.prepare('PRAGMA data_version').pluck();
  let last = version.get() as number;
  const timer = setInterval(() => {
    const current = version.get() as number;
    if (current === last) return;
    last = current;
    events.emit('data.changed', { projectId: null, imageIds: null, what: 'labels' });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
