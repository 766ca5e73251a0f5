import { GradedeskError } from '../../shared/errors';
import { restoreDatabase } from '../store/backup';
import { storageFailure } from '../store/failures';
import type { Workspace } from './workspace';

/** What `check` found in a data directory; a database too damaged to open has no schema version. */
export interface DataDirCheck {
  dataDir: string;
  schemaVersion: number | null;
  ok: boolean;
  problems: string[];
}

/** Checks the integrity of a data directory's database. One too damaged to open is its first problem, not a failure of the check. */
export function checkDataDir(dataDir: string, open: () => Workspace): DataDirCheck {
  let workspace: Workspace;
  try {
    workspace = open();
  } catch (error) {
    const failure = error instanceof GradedeskError ? error : storageFailure(error);
    if (!failure || (failure.code !== 'damaged' && failure.code !== 'unsupported')) throw error;
    return { dataDir, schemaVersion: null, ok: false, problems: [failure.message] };
  }
  const problems = workspace.store.integrityProblems();
  return { dataDir, schemaVersion: workspace.store.schemaVersion, ok: problems.length === 0, problems };
}

/** Copies the database to `file` while Gradedesk may keep working (SQLite's online backup). */
export const backupData = (workspace: Workspace, file: string) => workspace.store.backup(file);

/** Replaces the database of `dataDir` with a backup, keeping the replaced one beside it. */
export const restoreData = (dataDir: string, file: string) => restoreDatabase(dataDir, file);
