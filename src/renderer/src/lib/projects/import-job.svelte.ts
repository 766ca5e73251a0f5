/**
 * The import this window follows: the one it started, or one found running (another tab, or before a
 * reload). It lives outside the Projects view so that progress and the final report are kept while the
 * reader is in the Library or Review; the report stays until dismissed.
 */
import type { JobSnapshot } from '../../../../shared/api';
import { call, errorSentence, on } from '../api';
import { session } from '../session.svelte';
import { refreshProjects } from './projects.svelte';

export const importJob = $state({
  job: null as JobSnapshot | null,
  /** The project being imported into, when this window started the import. */
  projectId: null as number | null,
  folder: '',
  labelsFile: '',
  /** Whether native pickers exist (desktop app) rather than typed paths (browser mode). */
  canPickFiles: false,
  /** Why the last start or cancel was refused, as main said it. */
  error: '',
  starting: false,
  /** Set by the menu's Import command until the import panel has asked for a folder. */
  folderRequested: false,
});

export const importRunning = (): boolean => importJob.starting || importJob.job?.state === 'running';

const isImport = (job: JobSnapshot) => job.kind === 'import';

/** Takes a newer snapshot of the followed job, never going back from an ended job to a running one. */
function update(job: JobSnapshot): void {
  const current = importJob.job;
  if (current && current.id === job.id && current.state !== 'running' && job.state === 'running') return;
  const ended = job.state !== 'running' && current?.state === 'running';
  importJob.job = job;
  // A job found running (another tab, or before a reload) says where it imports from and into.
  importJob.projectId ??= job.projectId;
  importJob.folder ||= job.details.folder ?? '';
  importJob.labelsFile ||= job.details.labelsFile ?? '';
  if (ended) void refreshProjects();
}

/** Whether an event about `job` concerns the import this window shows. */
function follows(job: JobSnapshot): boolean {
  if (!isImport(job)) return false;
  if (importJob.job) return importJob.job.id === job.id;
  // Events can overtake the reply to imports.start; another tab's running import is shown too.
  return importJob.starting || job.state === 'running';
}

let watching = false;

/** Starts following jobs and menu commands for the rest of the window's life; safe to call again. */
export function watchImports(): void {
  if (watching) return;
  watching = true;
  on('job.progress', (job) => follows(job) && update(job));
  on('job.finished', (job) => follows(job) && update(job));
  on('data.changed', ({ what }) => {
    if (what === 'projects' || what === 'images') void refreshProjects();
  });
  on('menu.command', ({ command }) => {
    if (command !== 'project.import') return;
    session.view = 'projects';
    importJob.folderRequested = true;
  });
  // Without the answer the typed path fields still work; the pickers are a convenience.
  call('app.info', {}).then((info) => (importJob.canPickFiles = info.canPickFiles), () => undefined);
  void catchUpWithJobs();
  // Events sent while the browser's event socket reconnects are lost; the job list has the truth.
  setInterval(() => {
    if (importJob.job?.state === 'running') void catchUpWithJobs();
  }, 5000);
}

/** Catches up from the job list: the followed job's latest state, or an import already running. */
export async function catchUpWithJobs(): Promise<void> {
  let jobs: JobSnapshot[];
  try {
    jobs = await call('jobs.list', {});
  } catch {
    return; // Main is unreachable for now; the next catch-up will tell.
  }
  const followed = importJob.job && jobs.find((job) => job.id === importJob.job!.id);
  if (followed) update(followed);
  else if (!importJob.job) {
    const running = jobs.filter((job) => isImport(job) && job.state === 'running').at(-1);
    if (running) update(running);
  }
}

export async function startImport(projectId: number): Promise<void> {
  const folder = importJob.folder.trim();
  const labelsFile = importJob.labelsFile.trim();
  importJob.error = '';
  importJob.starting = true;
  importJob.job = null;
  importJob.projectId = projectId;
  try {
    const job = await call('imports.start', { projectId, folder, ...(labelsFile ? { labelsFile } : {}) });
    // A progress or finished event may have arrived first: keep the newer snapshot.
    const followed = importJob.job as JobSnapshot | null;
    if (followed?.id !== job.id) update(job);
  } catch (error) {
    importJob.projectId = null;
    importJob.error = errorSentence(error);
  } finally {
    importJob.starting = false;
  }
}

export async function cancelImport(): Promise<void> {
  const job = importJob.job;
  if (!job || job.state !== 'running') return;
  try {
    await call('jobs.cancel', { jobId: job.id });
  } catch (error) {
    importJob.error = errorSentence(error);
  }
}

export function dismissReport(): void {
  importJob.job = null;
  importJob.projectId = null;
  importJob.error = '';
}
