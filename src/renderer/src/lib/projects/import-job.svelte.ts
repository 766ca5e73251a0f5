/**
 * The import this window follows: the one it started, or one found running (another tab, or before a
 * reload). It lives outside the Projects view so that progress and the final report are kept while the
 * reader is in the Library or Review; the report stays until dismissed.
 */
import type { JobSnapshot } from '../../../../shared/api';
import { call, on } from '../api';
import { FollowedJob } from '../jobs/followed-job.svelte';
import { latestJob } from '../jobs/job-follow';
import { catchUpFromJobList, watchJobs } from '../jobs/job-watch';
import { session } from '../session.svelte';
import { refreshProjects } from './projects.svelte';

/** What the import panel asks for, and where the followed import goes. */
export const importForm = $state({
  /** The project being imported into, when this window started the import. */
  projectId: null as number | null,
  folder: '',
  labelsFile: '',
  /** Whether native pickers exist (desktop app) rather than typed paths (browser mode). */
  canPickFiles: false,
  /** Set by the menu's Import command until the import panel has asked for a folder. */
  folderRequested: false,
});

export const importJob = new FollowedJob(
  'import',
  (job, previous) => {
    // A job found running (another tab, or before a reload) says where it imports from and into.
    importForm.projectId ??= job.projectId;
    importForm.folder ||= job.details.folder ?? '';
    importForm.labelsFile ||= job.details.labelsFile ?? '';
    if (job.state !== 'running' && previous?.state === 'running') void refreshProjects();
  },
  true,
);

let watching = false;

/** Starts following jobs and menu commands for the rest of the window's life; safe to call again. */
export function watchImports(): void {
  if (watching) return;
  watching = true;
  on('data.changed', ({ what }) => {
    if (what === 'projects' || what === 'images') void refreshProjects();
  });
  on('menu.command', ({ command }) => {
    if (command !== 'project.import') return;
    session.view = 'projects';
    importForm.folderRequested = true;
  });
  // Without the answer the typed path fields still work; the pickers are a convenience.
  call('app.info', {}).then((info) => (importForm.canPickFiles = info.canPickFiles), () => undefined);
  watchJobs([importJob], catchUpFrom);
}

/** Catches up from the job list: the followed import's latest state, or an import already running. */
export const catchUpWithJobs = (): Promise<void> => catchUpFromJobList(catchUpFrom);

const catchUpFrom = (jobs: readonly JobSnapshot[]): void => importJob.catchUp(jobs, (list) => latestJob(list, 'import', { running: true }));

export async function startImport(projectId: number): Promise<void> {
  const folder = importForm.folder.trim();
  const labelsFile = importForm.labelsFile.trim();
  importForm.projectId = projectId;
  const job = await importJob.start(() => call('imports.start', { projectId, folder, ...(labelsFile ? { labelsFile } : {}) }));
  if (!job) importForm.projectId = null;
}

export function dismissReport(): void {
  importJob.clear();
  importForm.projectId = null;
}
