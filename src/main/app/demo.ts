import fs from 'node:fs';
import path from 'node:path';
import { taskSpecFor, type Project } from '../../shared/domain';
import type { ImportReport } from '../../shared/import-report';
import { ProgressMeter, type Progress } from '../jobs/progress';
import type { Workspace } from './workspace';
import { writeDemoDataset } from '../demo/dataset';

export const DEMO_PROJECT_NAME = 'Demo';

export interface DemoOptions {
  count: number;
  seed: number;
  onProgress?: (progress: Progress) => void;
}

/**
 * The built-in demo project: synthetic fundus photographs with known grades and lesion masks,
 * generated into the data directory and imported like a clinic's folder. Idempotent: asking again
 * for the same count and seed reuses the images, and the import adds nothing twice.
 */
export async function openDemoProject(workspace: Workspace, options: DemoOptions): Promise<{ project: Project; report: ImportReport; folder: string }> {
  const folder = path.join(workspace.dataDir, 'demo', `seed-${options.seed}-count-${options.count}`);
  const labelsFile = path.join(folder, 'trainLabels.csv');
  if (!fs.existsSync(labelsFile)) {
    const meter = new ProgressMeter('Generating demo images', options.count);
    options.onProgress?.(meter.snapshot());
    const partial = `${folder}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    await writeDemoDataset(partial, {
      count: options.count,
      seed: options.seed,
      onImage: (done) => {
        meter.done = done;
        options.onProgress?.(meter.snapshot());
      },
    });
    fs.renameSync(partial, folder);
  }
  const project = workspace.store.projects.find(DEMO_PROJECT_NAME) ?? createDemoProject(workspace);
  const job = workspace.startImport({ project, folder: path.join(folder, 'images'), labelsFile });
  if (options.onProgress) workspace.jobs.on('progress', (info) => info.id === job.info.id && info.progress && options.onProgress!(info.progress));
  return { project, report: await job.done, folder };
}

function createDemoProject(workspace: Workspace): Project {
  const project = workspace.store.projects.create(DEMO_PROJECT_NAME, taskSpecFor('dr-grade'));
  workspace.changes.announce({ projectId: project.id, imageIds: null, what: 'projects' });
  return project;
}
