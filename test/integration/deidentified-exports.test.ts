// De-identified exports: a data directory whose folders, file names, label file, readers and notes all
// carry identifiers is exported in every format with --deidentify (and through the api), and no byte of
// any export holds one of them; pseudonyms agree between exports; the per-grader labels and the COCO
// file are read back.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers } from '../../src/main/api/handlers';
import { Workspace } from '../../src/main/app/workspace';
import { runCli } from '../../src/main/cli/program';
import type { CocoDataset } from '../../src/main/export/coco-json';
import { originalText } from '../../src/main/export/csv';
import { patientPseudonym, PSEUDONYM_KEY_FILE } from '../../src/main/export/pseudonym';
import { smoothPicture, writeJpeg } from '../fixtures/images';
import { storeModel } from '../fixtures/stored-model';

type Row = Record<string, string>;

/** Patients, each in a folder named after them, with their photographs named by their record number and eye. */
const PATIENTS = [
  { folder: 'Amelia Jones 1961-03-14', id: 'MRN88231', files: ['MRN88231_left.jpg', 'MRN88231_right.jpg'] },
  { folder: 'Omar Petrov', id: 'MRN55120', files: ['MRN55120_left.JPG', 'MRN55120_OD.png'] },
  { folder: 'Walk-in', id: 'MRN77001.Castellanos', files: ['MRN77001.Castellanos.png'] },
] as const;
const READERS = ['Dr Hannah Whitcombe', 'Dr Ravi Subramanian'] as const;
const LABEL_FILE = 'grades_AmeliaJones_StElsewhere.csv';
const NOTE = 'Seen with her husband Bernard Jones at St Elsewhere Eye Unit';
const GRADE_NOTE = 'Referred by Dr Quentin Marsh';

let root: string;
let dataDir: string;
let photos: string;
const files: Array<{ file: string; patient: string; stem: string; width: number; height: number }> = [];

const cli = async (...args: string[]) => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--data', dataDir, ...args], { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), interactive: false });
  expect(stderr.split('\n').filter((line) => line.startsWith('gradedesk:')), args.join(' ')).toEqual([]);
  expect(code, args.join(' ')).toBe(0);
  return stdout;
};
const rowsOf = (csv: string) => parse(csv, { columns: true }) as Row[];

/** Every identifier the source holds, whole and in the parts a careless export might keep. */
const identifiers = () => [
  ...PATIENTS.flatMap((patient) => [patient.folder, patient.id, ...patient.id.split('.'), ...patient.folder.split(' ')]),
  ...files.flatMap(({ file, stem }) => [file, stem]),
  ...READERS.flatMap((reader) => [reader, ...reader.split(' ').slice(1)]),
  LABEL_FILE, 'AmeliaJones', 'Elsewhere', NOTE, ...NOTE.split(' ').filter((word) => word.length > 4), GRADE_NOTE, 'Quentin', 'Marsh',
  root, dataDir, photos, path.basename(root),
];

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-deidentify-'));
  dataDir = path.join(root, 'data');
  photos = path.join(root, 'photos');
  let seed = 1;
  for (const patient of PATIENTS) {
    for (const file of patient.files) {
      const [width, height] = [96 + seed * 8, 72 + seed * 4];
      const where = path.join(photos, patient.folder, file);
      if (file.toLowerCase().endsWith('.png')) {
        await fs.mkdir(path.dirname(where), { recursive: true });
        await smoothPicture(seed, width, height).png().toFile(where);
      } else {
        await writeJpeg(where, seed, width, height);
      }
      files.push({ file, patient: patient.id, stem: path.parse(file).name, width, height });
      seed += 1;
    }
  }
  // An APTOS label file grading the first patient's photographs: an import's origin is this file's name.
  const labels = path.join(root, LABEL_FILE);
  await fs.writeFile(labels, `id_code,diagnosis\n${files[0]!.stem},2\n${files[1]!.stem},1\n`);
  await cli('project', 'create', 'Clinic');
  await cli('import', photos, '--project', 'Clinic', '--labels', labels);

  // Two readers grade through the api: the first every photograph (with a note on one), the second three of them.
  const workspace = Workspace.open(dataDir);
  try {
    const handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
    const ok = async <T>(method: string, request: unknown): Promise<T> => {
      const result = await dispatch(handlers, method, request);
      if (!result.ok) throw new Error(`${method} failed: ${result.error.message}`);
      return result.value as T;
    };
    const project = workspace.store.projects.byName('Clinic');
    const images = workspace.store.exports.currentLabels(project.id);
    const [first, second] = [await ok<{ id: number }>('readers.ensure', { name: READERS[0] }), await ok<{ id: number }>('readers.ensure', { name: READERS[1] })];
    for (const [index, image] of images.entries()) {
      await ok('labels.record', { imageId: image.imageId, value: index % 5, readerId: first.id, ...(index === 0 ? { note: GRADE_NOTE } : {}) });
      if (index < 3) await ok('labels.record', { imageId: image.imageId, value: (index + 1) % 5, readerId: second.id });
    }
    await ok('images.setNote', { imageId: images[1]!.imageId, note: NOTE, readerId: second.id });
    await ok('images.setUngradable', { imageId: images[4]!.imageId, ungradable: true, readerId: first.id });
    const modelId = storeModel(workspace.store, dataDir, project, 'screening run', 'softmax',
      images.map((image, index) => ({ imageId: image.imageId, output: [0.1, 0.2, 0.3, 0.2, 0.2].map((p, grade) => (grade === index % 5 ? p + 0.5 : p) / 1.5), outOfFold: true })));
    workspace.store.models.activate(modelId);
  } finally {
    await workspace.close();
  }
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

/** Every export, made through the CLI with the given extra flags; the file name says which. */
async function exportEverything(folder: string, ...flags: string[]) {
  await fs.mkdir(folder, { recursive: true });
  const out = (name: string) => ['--out', path.join(folder, name)];
  await cli('export', 'labels', '--project', 'Clinic', ...flags, ...out('labels.csv'));
  await cli('export', 'labels', '--project', 'Clinic', '--with-history', ...flags, ...out('history.csv'));
  await cli('export', 'labels', '--project', 'Clinic', '--per-grader', ...flags, ...out('per-grader.csv'));
  await cli('export', 'predictions', '--project', 'Clinic', ...flags, ...out('predictions.csv'));
  await cli('export', 'submission', '--project', 'Clinic', '--format', 'aptos', ...flags, ...out('aptos.csv'));
  await cli('export', 'submission', '--project', 'Clinic', '--format', 'eyepacs', '--from', 'predictions', ...flags, ...out('eyepacs.csv'));
  await cli('export', 'coco', '--project', 'Clinic', ...flags, ...out('coco.json'));
  const names = await fs.readdir(folder);
  return new Map(await Promise.all(names.map(async (name) => [name, await fs.readFile(path.join(folder, name))] as const)));
}

describe('de-identified exports', () => {
  it('hold none of the source\'s identifiers, in any export, while the same exports as recorded hold them', async () => {
    const recorded = await exportEverything(path.join(root, 'out-recorded'));
    const deidentified = await exportEverything(path.join(root, 'out-deidentified'), '--deidentify');
    expect([...deidentified.keys()].sort()).toEqual(['aptos.csv', 'coco.json', 'eyepacs.csv', 'history.csv', 'labels.csv', 'per-grader.csv', 'predictions.csv']);

    // The scan can fail: the exports as recorded carry the patients' ids, the readers and the notes.
    const recordedText = [...recorded.values()].map((bytes) => bytes.toString('utf8')).join('\n');
    for (const identifier of [PATIENTS[0].id, READERS[0], NOTE, GRADE_NOTE, LABEL_FILE, files[3]!.file]) expect(recordedText).toContain(identifier);

    for (const [name, bytes] of deidentified) {
      for (const identifier of identifiers()) {
        // Bytes, in UTF-8 and UTF-16 (a spreadsheet's "Unicode text"), and case-insensitively.
        expect(bytes.includes(Buffer.from(identifier, 'utf8')), `${name} holds "${identifier}"`).toBe(false);
        expect(bytes.includes(Buffer.from(identifier, 'utf16le')), `${name} holds "${identifier}" in UTF-16`).toBe(false);
        expect(bytes.toString('utf8').toLowerCase().includes(identifier.toLowerCase()), `${name} holds "${identifier}" in another case`).toBe(false);
      }
      // No full date: a grading time is reduced to its year.
      expect(bytes.toString('utf8'), name).not.toMatch(/\d{4}-\d\d-\d\d/);
    }
  });

  it('gives each patient, image and reader one keyed pseudonym, the same in every export and through the api', async () => {
    const first = rowsOf(await cli('export', 'labels', '--project', 'Clinic', '--deidentify'));
    const again = rowsOf(await cli('export', 'labels', '--project', 'Clinic', '--per-grader', '--deidentify'));
    const key = await fs.stat(path.join(dataDir, PSEUDONYM_KEY_FILE));
    expect(key.size).toBe(32);
    expect(key.mode & 0o777).toBe(0o600);

    const recorded = rowsOf(await cli('export', 'labels', '--project', 'Clinic'));
    for (const [index, row] of first.entries()) {
      const original = recorded[index]!;
      expect(row.image_id).toBe(original.image_id);
      expect(row.group).toBe(patientPseudonym(dataDir, originalText(original.group!)));
      expect(row.image).toMatch(/^I-[0-9a-f]{12}$/);
      expect(row.file).toBe(`${row.image}${/\.(jpg|png)$/i.exec(original.file!)![0].toLowerCase()}`);
      expect(row.reader).toMatch(/^R-[0-9a-f]{12}$/);
      expect(row.updated_at).toMatch(/^\d{4}$/);
      expect(again[index]).toMatchObject({ image: row.image, group: row.group, reader: row.reader });
    }
    // The two eyes of one patient share the patient's pseudonym; the file named with a dot loses its fake extension.
    const groups = new Map(recorded.map((row, index) => [originalText(row.group!), first[index]!.group]));
    expect(groups.get('MRN88231')).toBe(patientPseudonym(dataDir, 'MRN88231'));
    expect(new Set(first.map((row) => row.group)).size).toBe(PATIENTS.length);
    expect(first.find((row) => row.group === patientPseudonym(dataDir, 'MRN77001.Castellanos'))!.file).toMatch(/^I-[0-9a-f]{12}\.png$/);

    // The api writes what the CLI prints.
    const workspace = Workspace.open(dataDir);
    try {
      const handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
      const file = path.join(root, 'api-labels.csv');
      const result = await dispatch(handlers, 'exports.labels', { projectId: workspace.store.projects.byName('Clinic').id, file, deidentify: true });
      expect(result).toEqual({ ok: true, value: { file, rows: files.length } });
      expect(rowsOf(await fs.readFile(file, 'utf8'))).toEqual(first);
    } finally {
      await workspace.close();
    }
  });

  it('keeps the history\'s events and order, with notes and the label file\'s name removed', async () => {
    const recorded = rowsOf(await cli('export', 'labels', '--project', 'Clinic', '--with-history'));
    const events = rowsOf(await cli('export', 'labels', '--project', 'Clinic', '--with-history', '--deidentify'));
    // A note event's values are the note's text; every other event keeps its values.
    const values = (event: Row) => (event.kind === 'note' ? [] : [event.label, event.previous]);
    expect(events.map((event) => [event.event_id, event.kind, event.source, ...values(event)]))
      .toEqual(recorded.map((event) => [event.event_id, event.kind, event.source, ...values(event)]));
    expect(recorded.find((event) => event.kind === 'note')!.label).toBe(NOTE);
    const note = events.find((event) => event.kind === 'note')!;
    expect([note.label, note.note]).toEqual(['[removed]', '']);
    expect(events.filter((event) => event.note === '[removed]')).toHaveLength(1);
    expect(new Set(events.filter((event) => event.source === 'import').map((event) => event.origin))).toEqual(new Set(['[removed]']));
  });
});

describe('labels with per-grader columns', () => {
  it('add one column per reader with that reader\'s standing grade, empty where they did not grade', async () => {
    const text = await cli('export', 'labels', '--project', 'Clinic', '--per-grader');
    const header = (parse(text, { to_line: 1 }) as string[][])[0]!;
    expect(header.slice(-2)).toEqual(READERS.map((reader) => `reader:${reader}`));
    // The readers graded the images in the export's order: the first every one, the second the first three.
    for (const [index, row] of rowsOf(text).entries()) {
      expect(row[`reader:${READERS[0]}`]).toBe(String(index % 5));
      expect(row[`reader:${READERS[1]}`]).toBe(index < 3 ? String((index + 1) % 5) : '');
      // The label that counts is the last one given: the second reader's where they graded.
      expect(row.label).toBe(index < 3 ? String((index + 1) % 5) : String(index % 5));
    }
  });

  it('refuse to be asked for together with the history', async () => {
    let stderr = '';
    const code = await runCli(['--data', dataDir, 'export', 'labels', '--project', 'Clinic', '--per-grader', '--with-history'], {
      stdout: () => undefined,
      stderr: (text) => void (stderr += text),
      interactive: false,
    });
    expect(code).not.toBe(0);
    expect(stderr).toContain('Choose either the label history or the per-grader columns, not both.');
  });
});

describe('the COCO export', () => {
  it('lists every image with its size, the classes as categories and one image-level annotation per labelled image', async () => {
    const out = path.join(root, 'coco.json');
    const written = JSON.parse(await cli('export', 'coco', '--project', 'Clinic', '--out', out, '--json'));
    const coco = JSON.parse(await fs.readFile(out, 'utf8')) as CocoDataset;
    expect(written).toEqual({ file: out, images: files.length, annotations: files.length });
    expect(coco.categories.map((category) => [category.id, category.class_index])).toEqual([[1, 0], [2, 1], [3, 2], [4, 3], [5, 4]]);
    expect(coco.info.annotation_kind).toMatch(/no bbox/);
    for (const { file, width, height } of files) {
      expect(coco.images.find((image) => image.file_name === file)).toMatchObject({ width, height });
    }
    const labels = rowsOf(await cli('export', 'labels', '--project', 'Clinic'));
    for (const annotation of coco.annotations) {
      expect(Object.keys(annotation).sort()).toEqual(['category_id', 'id', 'image_id']);
      const label = labels.find((row) => Number(row.image_id) === annotation.image_id)!;
      expect(annotation.category_id).toBe(Number(label.label) + 1);
    }
    expect(new Set(coco.annotations.map((annotation) => annotation.id)).size).toBe(coco.annotations.length);
  });
});
