// The same operations through the api table and through the `gradedesk` command leave the same state:
// database rows (timestamps aside) and files (the model's folder, the Grad-CAM cache, the exported CSV).
// Both doors call one application layer; this test catches them drifting apart again (the CLI's
// `models delete` once left the model's Grad-CAM maps behind).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradCamRender } from '../../src/shared/api';
import { taskSpecFor } from '../../src/shared/domain';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers, type Handlers } from '../../src/main/api/handlers';
import { writeDemoDataset } from '../../src/main/demo/dataset';
import { DATABASE_FILE_NAME } from '../../src/main/store/database';
import { Workspace } from '../../src/main/app/workspace';
import { cliIsBuilt, gradedesk } from '../support/gradedesk-process';



const TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;

/** Every row of every table, with timestamps and the data folder's own path blanked out. */
function databaseRows(dataDir: string): Record<string, string[]> {
  const db = new Database(path.join(dataDir, DATABASE_FILE_NAME), { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    const blank = (value: unknown) => (typeof value === 'string' ? value.replaceAll(dataDir, '<data>').replace(TIME, '<time>') : value);
    const rowsOf = (table: string) =>
      db
        .prepare(`SELECT * FROM "${table}"`)
        .all()
        .map((row) => JSON.stringify(Object.entries(row as object).map(([column, value]) => [column, blank(value)])))
        .sort();
    return Object.fromEntries(tables.map((table) => [table, rowsOf(table)]));
  } finally {
    db.close();
  }
}

/** The files under the data folder that operations make or remove (the database itself is compared by rows). */
function files(dataDir: string): string[] {
  return (fs.readdirSync(dataDir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile() && !entry.name.startsWith(DATABASE_FILE_NAME))
    .map((entry) => path.relative(dataDir, path.join(entry.parentPath, entry.name)))
    .filter((file) => file.startsWith('models') || file.startsWith(path.join('cache', 'gradcam')))
    .sort();
}

describe.skipIf(!cliIsBuilt())('the api and the CLI doing the same operations', () => {
  let root: string;
  const apiDir = () => path.join(root, 'through-api');
  const cliDir = () => path.join(root, 'through-cli');
  let modelId: number;
  let imageId: number;
  let fileName: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-parity-'));
    const demo = await writeDemoDataset(path.join(root, 'photos'), { count: 24, seed: 5, minSize: 128, maxSize: 160 });
    // One starting point with a real model: a project, its graded images and a tiny trained model.
    const base = path.join(root, 'base');
    const workspace = Workspace.open(base);
    try {
      const project = workspace.store.projects.create('Clinic', taskSpecFor('dr-grade'));
      await workspace.startImport({ project, folder: path.join(demo.dir, 'images'), labelsFile: demo.labelsFile }).done;
      const training = workspace.startTraining(project, { inputSize: 96, epochs: 2, validation: { kind: 'holdout', fraction: 0.3 }, seed: 1 });
      await training.job.done;
      modelId = training.modelId;
      expect(workspace.store.models.get(modelId)).toMatchObject({ status: 'ready', active: true });
      const image = workspace.store.images.page(project.task, { projectId: project.id, offset: 0, limit: 1 }).rows[0]!;
      [imageId, fileName] = [image.id, image.fileName];
    } finally {
      await workspace.close();
    }
    // The training worker's connection closes on its own: copy once the last one has checkpointed the log.
    while (fs.existsSync(path.join(base, `${DATABASE_FILE_NAME}-wal`))) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const copy of [apiDir(), cliDir()]) {
      fs.cpSync(base, copy, { recursive: true });
      // A model keeps the path of its folder: point the copy's at its own.
      const db = new Database(path.join(copy, DATABASE_FILE_NAME));
      db.prepare('UPDATE models SET dir = replace(dir, ?, ?)').run(base, copy);
      db.close();
    }
  }, 300_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('leave the same rows and files: create a project, grade, set a threshold, render a Grad-CAM, export labels, predictions and a submission, delete the model', async () => {
    const workspace = Workspace.open(apiDir());
    const handlers: Handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
    const ok = async <T>(method: string, request: unknown): Promise<T> => {
      const result = await dispatch(handlers, method, request);
      if (!result.ok) throw new Error(`${method} failed: ${result.error.message}`);
      return result.value as T;
    };
    try {
      const projectId = workspace.store.projects.byName('Clinic').id;
      await ok('projects.create', { name: 'Skin', task: 'multiclass', classes: ['naevus', 'melanoma'] });
      const reader = await ok<{ id: number }>('readers.ensure', { name: 'Dr Lee' });
      await ok('labels.record', { imageId, value: 3, readerId: reader.id, note: 'haemorrhages' });
      await ok('models.setReferralThreshold', { modelId, threshold: 0.3 });
      const render = await ok<GradCamRender>('gradcam.render', { imageId, targetClass: 1 });
      while (render.job && workspace.jobs.get(render.job.id).state === 'running') await new Promise((resolve) => setTimeout(resolve, 50));
      expect(workspace.jobs.get(render.job!.id).state).toBe('done');
      await ok('exports.labels', { projectId, file: path.join(root, 'api-labels.csv') });
      await ok('exports.predictions', { projectId, file: path.join(root, 'api-predictions.csv') });
      await ok('exports.submission', { projectId, file: path.join(root, 'api-aptos.csv'), format: 'aptos', from: 'predictions' });
      expect(files(apiDir()).some((file) => file.startsWith(path.join('cache', 'gradcam', String(modelId))))).toBe(true);
      await ok('models.delete', { modelId });
    } finally {
      await workspace.close();
    }

    const cli = async (...args: string[]) => {
      const run = await gradedesk(cliDir(), ...args);
      expect(run.stderr.split('\n').filter((line) => line.startsWith('gradedesk:')), args.join(' ')).toEqual([]);
      expect(run.code, args.join(' ')).toBe(0);
    };
    await cli('project', 'create', 'Skin', '--task', 'multiclass', '--classes', 'naevus,melanoma');
    await cli('grade', fileName, '3', '--project', 'Clinic', '--reader', 'Dr Lee', '--note', 'haemorrhages');
    await cli('models', 'threshold', String(modelId), '0.3');
    await cli('gradcam', fileName, '--project', 'Clinic', '--class', '1', '--out', path.join(root, 'overlay.png'));
    await cli('export', 'labels', '--project', 'Clinic', '--out', path.join(root, 'cli-labels.csv'));
    await cli('export', 'predictions', '--project', 'Clinic', '--out', path.join(root, 'cli-predictions.csv'));
    await cli('export', 'submission', '--project', 'Clinic', '--format', 'aptos', '--from', 'predictions', '--out', path.join(root, 'cli-aptos.csv'));
    await cli('models', 'delete', String(modelId));

    expect(databaseRows(cliDir())).toEqual(databaseRows(apiDir()));
    expect(files(cliDir())).toEqual(files(apiDir()));
    expect(files(apiDir())).toEqual([]);
    const csv = (file: string) => fs.readFileSync(path.join(root, file), 'utf8').replace(TIME, '<time>');
    expect(csv('cli-labels.csv')).toEqual(csv('api-labels.csv'));
    expect(csv('cli-predictions.csv')).toEqual(csv('api-predictions.csv'));
    expect(csv('cli-aptos.csv')).toEqual(csv('api-aptos.csv'));
    // The trained model predicted every image of the project, so the submission has a row for each.
    expect(csv('api-aptos.csv').trim().split('\n')).toHaveLength(csv('api-predictions.csv').trim().split('\n').length);
  }, 300_000);
});
