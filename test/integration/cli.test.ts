import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/program';
import { migrations } from '../../src/main/store/migrations';
import { writePlantedFolder, type PlantedFolder } from '../fixtures/images';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('gradedesk CLI', () => {
  let root: string;
  let dataDir: string;
  let planted: PlantedFolder;

  const cli = async (...args: string[]): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--data', dataDir, ...args], {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      interactive: false,
    });
    return { code, stdout, stderr };
  };
  const json = async (...args: string[]) => {
    const run = await cli(...args, '--json');
    expect(run.stderr.split('\n').filter((l) => l.startsWith('gradedesk:'))).toEqual([]);
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout);
  };

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-cli-'));
    dataDir = path.join(root, 'data');
    planted = await writePlantedFolder(path.join(root, 'export'));
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('creates and lists projects of each task kind', async () => {
    expect((await json('project', 'create', 'Retina')).task.kind).toBe('dr-grade');
    expect((await json('project', 'create', 'Skin', '--task', 'multiclass', '--classes', 'ham10000')).task.classes).toEqual([
      'akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc',
    ]);
    expect((await json('project', 'create', 'Cells', '--task', 'multilabel', '--classes', 'hpa')).task.classes).toHaveLength(28);
    const list = await json('project', 'list');
    expect(list.map((p: { name: string }) => p.name)).toEqual(['Cells', 'Retina', 'Skin']);
  });

  it('refuses a duplicate project, and a multiclass project without classes, with one clear sentence', async () => {
    const duplicate = await cli('project', 'create', 'retina');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toBe('gradedesk: A project named "retina" already exists.\n');
    const noClasses = await cli('project', 'create', 'X', '--task', 'multiclass');
    expect(noClasses.code).toBe(1);
    expect(noClasses.stderr).toMatch(/needs at least two classes/);
  });

  it('imports a folder with its label file and reports every bad file', async () => {
    const run = await cli('import', planted.dir, '--project', 'Retina', '--labels', planted.labelsFile);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Imported 16 of 21 files/);
    expect(run.stdout).toMatch(/truncated\.jpg: \[corrupt-image\]/);
    expect(run.stdout).toMatch(/huge\.png: \[too-many-pixels\]/);
    expect(run.stdout).toMatch(/line 8: \[out-of-range-grade\]/);
    expect(run.stderr).toMatch(/Reading images \[#+\] 21\/21/);

    const stats = await json('stats', '--project', 'Retina');
    expect(stats).toMatchObject({
      images: 21,
      imported: 16,
      labelled: 5,
      unlabelled: 11,
      duplicates: { exact: 1, near: 1 },
      errors: { 'corrupt-image': 1, 'empty-file': 1, 'not-an-image': 1, 'too-many-pixels': 1, 'dicom-damaged': 1 },
      perClass: { '0': 1, '1': 1, '2': 1, '3': 1, '4': 1 },
    });
  });

  it('fails on a label file with the wrong columns before touching any image', async () => {
    const bad = path.join(root, 'wrong.csv');
    await fs.writeFile(bad, 'patient,score\n1,2\n');
    const run = await cli('import', planted.dir, '--project', 'Skin', '--labels', bad);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/The first line of the label file is not a header Gradedesk recognises/);
    expect(run.stderr).not.toMatch(/patient/);
    expect((await json('stats', '--project', 'Skin')).images).toBe(0);
  });

  it('grades an image by file name, keeps its history, and refuses an out-of-range grade', async () => {
    const graded = await json('grade', '10003_right.jpeg', '2', '--project', 'Retina', '--reader', 'Dr Osei', '--note', 'IRMA?');
    expect(graded).toMatchObject({ value: 2, previousValue: null, readerName: 'Dr Osei', source: 'reader', note: 'IRMA?' });
    const regraded = await cli('grade', '10003_right', '3', '--project', 'Retina', '--reader', 'Dr Osei');
    expect(regraded.stdout).toMatch(/2 \(Moderate NPDR\) → 3 \(Severe NPDR\)/);

    const outOfRange = await cli('grade', '10003_right', '5', '--project', 'Retina', '--reader', 'Dr Osei');
    expect(outOfRange.code).toBe(1);
    expect(outOfRange.stderr).toMatch(/5 is not a valid grade: expected a whole number from 0 to 4/);

    const history = await json('history', '10003_right', '--project', 'Retina');
    expect(history.events.map((e: { value: number }) => e.value)).toEqual([2, 3]);
  });

  it('names what is missing: unknown project, unknown image', async () => {
    const project = await cli('stats', '--project', 'Nope');
    expect(project.code).toBe(1);
    expect(project.stderr).toBe('gradedesk: There is no project named "Nope". Projects: Cells, Retina, Skin.\n');
    const image = await cli('history', 'missing.jpg', '--project', 'Retina');
    expect(image.code).toBe(1);
    expect(image.stderr).toMatch(/no image "missing\.jpg"/);
  });

  it('exports current labels and the full history as CSV', async () => {
    const out = path.join(root, 'labels.csv');
    expect(await json('export', 'labels', '--project', 'Retina', '--out', out)).toMatchObject({ rows: 16 });
    const rows = parse(await fs.readFile(out, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(rows.find((r) => r.image === '10003_right')).toMatchObject({ label: '3', source: 'reader', reader: 'Dr Osei', group: '10003', eye: 'right' });
    expect(rows.find((r) => r.image === 'grey')).toMatchObject({ label: '' });

    const history = await cli('export', 'labels', '--project', 'Retina', '--with-history');
    const events = parse(history.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(events).toHaveLength(7); // five imported, two by the reader
    expect(events.at(-1)).toMatchObject({ image: '10003_right', previous: '2', label: '3', source: 'reader' });
  });

  it('checks the integrity of the data directory', async () => {
    const check = await json('check');
    expect(check).toMatchObject({ ok: true, problems: [], schemaVersion: migrations.at(-1)!.version });
  });

  it('explains usage errors without a stack trace', async () => {
    const run = await cli('project', 'create', 'Y', '--task', 'segmentation');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Allowed choices are dr-grade, multiclass, multilabel/);
  });
});
