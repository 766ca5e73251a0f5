import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSpecFor } from '../../src/shared/domain';
import { Workspace } from '../../src/main/app/workspace';
import { writeJpeg } from '../fixtures/images';

describe('cancelling an import', () => {
  let root: string;
  let workspace: Workspace;
  const files = 120;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-cancel-'));
    for (let i = 0; i < files; i++) await writeJpeg(path.join(root, 'folder', `image-${String(i).padStart(3, '0')}.jpg`), i + 1, 640, 480);
    workspace = Workspace.open(path.join(root, 'data'));
  });

  afterAll(async () => {
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('stops early, keeps what was read, reports progress with rate and ETA, and the next import finishes the rest', async () => {
    const project = workspace.store.projects.create('Cancelled', taskSpecFor('dr-grade'));
    const job = workspace.startImport({ project, folder: path.join(root, 'folder') });
    const progress: Array<{ phase: string; done: number; total: number; ratePerSecond: number | null; etaSeconds: number | null }> = [];
    workspace.jobs.on('progress', (info) => {
      if (info.id !== job.info.id || !info.progress) return;
      progress.push(info.progress);
      if (info.progress.phase === 'Reading images' && info.progress.done >= 10) workspace.jobs.cancel(job.info.id);
    });
    const report = await job.done;

    expect(report.cancelled).toBe(true);
    expect(workspace.jobs.get(job.info.id).state).toBe('cancelled');
    expect(report.imported).toBeGreaterThanOrEqual(10);
    expect(report.imported).toBeLessThan(files);
    expect(workspace.store.stats(project).images).toBe(report.imported);
    const reading = progress.filter((p) => p.phase === 'Reading images' && p.done > 0);
    expect(reading[0]).toMatchObject({ total: files });
    expect(reading.at(-1)!.ratePerSecond).toBeGreaterThan(0);
    expect(reading.at(-1)!.etaSeconds).toBeGreaterThanOrEqual(0);

    const rest = await workspace.startImport({ project, folder: path.join(root, 'folder') }).done;
    expect(rest).toMatchObject({ cancelled: false, unchanged: report.imported, imported: files - report.imported });
    expect(workspace.store.stats(project).images).toBe(files);
  });
});
