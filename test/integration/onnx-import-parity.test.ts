// models import and backbones add with an .onnx file, then predict, through the api table and through
// the real `gradedesk` process leave the same database rows and model files: both doors call one app operation.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSpecFor } from '../../src/shared/domain';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers } from '../../src/main/api/handlers';
import { Workspace } from '../../src/main/app/workspace';
import { DATABASE_FILE_NAME } from '../../src/main/store/database';
import { writeJpeg } from '../fixtures/images';
import { writeTinyClassifier } from '../fixtures/onnx-models';
import { cliIsBuilt, gradedesk } from '../support/gradedesk-process';

const TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;

function databaseRows(dataDir: string, tables: readonly string[]): Record<string, string[]> {
  const db = new Database(path.join(dataDir, DATABASE_FILE_NAME), { readonly: true });
  try {
    const blank = (value: unknown) => (typeof value === 'string' ? value.replaceAll(dataDir, '<data>').replace(TIME, '<time>') : value);
    return Object.fromEntries(
      tables.map((table) => [
        table,
        db.prepare(`SELECT * FROM "${table}"`).all().map((row) => JSON.stringify(Object.entries(row as object).map(([column, value]) => [column, blank(value)]))).sort(),
      ]),
    );
  } finally {
    db.close();
  }
}

const modelFiles = (dataDir: string) =>
  (fs.readdirSync(path.join(dataDir, 'models'), { recursive: true }) as string[]).sort().map((file) => {
    const full = path.join(dataDir, 'models', file);
    return fs.statSync(full).isFile() ? [file, fs.readFileSync(full, 'utf8').replace(TIME, '<time>').length] : [file];
  });

describe.skipIf(!cliIsBuilt())('ONNX imports through the api and the gradedesk process', () => {
  let root: string;
  let file: string;
  const dirs = () => ({ api: path.join(root, 'through-api'), cli: path.join(root, 'through-cli') });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-onnx-parity-'));
    file = path.join(root, 'classifier.onnx');
    writeTinyClassifier(file, { units: 3, softmax: true, seed: 3 });
    const photos = path.join(root, 'photos');
    for (let i = 0; i < 4; i++) await writeJpeg(path.join(photos, `${20 + i}_right.jpeg`), i + 1, 72, 60);
    for (const dir of Object.values(dirs())) {
      const workspace = Workspace.open(dir);
      try {
        const project = workspace.store.projects.create('Skin', taskSpecFor('multiclass', ['nv', 'mel', 'bcc']));
        await workspace.startImport({ project, folder: photos }).done;
      } finally {
        await workspace.close();
      }
    }
  }, 120_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('leave the same rows and files', async () => {
    const workspace = Workspace.open(dirs().api);
    try {
      const handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
      const ok = async <T>(method: string, request: unknown): Promise<T> => {
        const result = await dispatch(handlers, method, request);
        if (!result.ok) throw new Error(`${method} failed: ${result.error.message}`);
        return result.value as T;
      };
      const projectId = workspace.store.projects.byName('Skin').id;
      const model = await ok<{ id: number }>('models.importOnnx', { projectId, file, classes: ['nv', 'mel', 'bcc'], preprocessing: 'imagenet', decoding: 'softmax', output: 'probabilities', featureOutput: 'features' });
      await ok('backbones.add', { id: 'tiny', location: file, format: 'onnx', featureLayer: 'features', normalisation: 'imagenet' });
      const job = await ok<{ id: string }>('predictions.start', { projectId, modelId: model.id });
      while (workspace.jobs.get(job.id).state === 'running') await new Promise((resolve) => setTimeout(resolve, 50));
      expect(workspace.jobs.get(job.id).state).toBe('done');
    } finally {
      await workspace.close();
    }
    const cli = async (...args: string[]) => {
      const run = await gradedesk(dirs().cli, ...args);
      expect(run.stderr.split('\n').filter((line) => line.startsWith('gradedesk:')), args.join(' ')).toEqual([]);
      expect(run.code, args.join(' ')).toBe(0);
    };
    await cli('models', 'import', file, '--project', 'Skin', '--classes', 'nv,mel,bcc', '--preprocessing', 'imagenet', '--decoding', 'softmax', '--output', 'probabilities', '--feature-output', 'features');
    await cli('backbones', 'add', 'tiny', file, '--feature-output', 'features', '--normalisation', 'imagenet');
    await cli('predict', '--project', 'Skin', '--model', '1');

    const tables = ['models', 'predictions', 'backbones'];
    const api = databaseRows(dirs().api, tables);
    expect(api.predictions).toHaveLength(4);
    expect(databaseRows(dirs().cli, tables)).toEqual(api);
    expect(modelFiles(dirs().cli)).toEqual(modelFiles(dirs().api));
  }, 300_000);
});
