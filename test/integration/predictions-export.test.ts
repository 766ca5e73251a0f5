// The predictions CSV and the Kaggle submission files, through the real CLI and the api, on a data
// directory with imported photographs, an imported APTOS label file and two models' stored predictions.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers, type Handlers } from '../../src/main/api/handlers';
import { runCli } from '../../src/main/cli/program';
import { originalText } from '../../src/main/export/csv';
import { Store } from '../../src/main/store';
import { Workspace } from '../../src/main/app/workspace';
import { DR_GRADE_NAMES } from '../../src/shared/domain';
import { writeJpeg } from '../fixtures/images';
import { storeModel } from '../fixtures/stored-model';

type Row = Record<string, string>;

/**
 * The photographs, their grades in the APTOS label file (null: not graded), the logits of the active
 * model (null: not predicted) and whether that prediction came from the fold that held it out.
 * `=1+1_left` is a file name a spreadsheet would run as a formula.
 */
const PHOTOS = [
  { stem: '10_left', grade: 0, output: [4, 1, 0, -1, -2], outOfFold: true },
  { stem: '10_right', grade: 2, output: [0, 1, 3, 1, 0], outOfFold: true },
  { stem: '11_left', grade: 4, output: [-2, -1, 0, 2, 3], outOfFold: false },
  { stem: '=1+1_left', grade: 1, output: [1, 2, 1, 0, -1], outOfFold: true },
  { stem: '12_right', grade: null, output: [0, 0, 0, 2, 0], outOfFold: false },
  { stem: '13_left', grade: 3, output: null, outOfFold: false },
] as const;
const PREDICTED = PHOTOS.filter((photo) => photo.output !== null);
const GRADED = PHOTOS.filter((photo) => photo.grade !== null);

const DR_COLUMNS = ['image', 'file', 'image_id', 'group', 'eye', 'model_id', 'model_name', ...DR_GRADE_NAMES.map((name) => `p_${name}`),
  'predicted', 'predicted_name', 'expected_grade', 'out_of_fold', 'p_referable'];

let root: string;
let dataDir: string;
let aptosLabels: string;
let activeId: number;
let ordinalId: number;
let skinModelId: number;
const imageIds = new Map<string, number>();

const rowsOf = (csv: string) => parse(csv, { columns: true }) as Row[];
const headerOf = (csv: string) => (parse(csv, { to_line: 1 }) as string[][])[0];

const cli = async (...args: string[]) => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--data', dataDir, ...args], { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), interactive: false });
  return { code, stdout, stderr };
};
const cliOk = async (...args: string[]) => {
  const run = await cli(...args);
  expect(run.stderr.split('\n').filter((line) => line.startsWith('gradedesk:')), args.join(' ')).toEqual([]);
  expect(run.code, args.join(' ')).toBe(0);
  return run.stdout;
};

const argmax = (values: readonly number[]) => values.indexOf(Math.max(...values));
const softmax = (output: readonly number[]) => {
  const exps = output.map((x) => Math.exp(x));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
};

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-predictions-export-'));
  dataDir = path.join(root, 'data');
  const folder = path.join(root, 'photos');
  for (const [index, photo] of PHOTOS.entries()) await writeJpeg(path.join(folder, `${photo.stem}.jpeg`), index + 11, 96, 72);
  aptosLabels = path.join(root, 'train.csv');
  await fs.writeFile(aptosLabels, ['id_code,diagnosis', ...GRADED.map((photo) => `${photo.stem},${photo.grade}`)].join('\n') + '\n');
  await cliOk('project', 'create', 'Clinic');
  await cliOk('import', folder, '--project', 'Clinic', '--labels', aptosLabels);
  await cliOk('project', 'create', 'Skin', '--task', 'multiclass', '--classes', 'nv,mel');
  await cliOk('import', path.join(folder), '--project', 'Skin');

  const store = Store.open(dataDir);
  try {
    const clinic = store.projects.byName('Clinic');
    for (const row of store.exports.currentLabels(clinic.id)) imageIds.set(row.stem, row.imageId);
    const predicted = PREDICTED.map((photo) => ({ imageId: imageIds.get(photo.stem)!, output: photo.output, outOfFold: photo.outOfFold }));
    activeId = storeModel(store, dataDir, clinic, 'softmax run', 'softmax', predicted.map((p) => ({ ...p, output: softmax(p.output) })));
    store.models.activate(activeId);
    // A second, inactive model: ordinal, every prediction held out, chosen with --model.
    ordinalId = storeModel(store, dataDir, clinic, 'ordinal run', 'ordinal', predicted.map((p) => ({ ...p, output: p.output.map((x) => 1 / (1 + Math.exp(-x))), outOfFold: true })));
    const skin = store.projects.byName('Skin');
    const skinImages = store.exports.currentLabels(skin.id);
    skinModelId = storeModel(store, dataDir, skin, 'skin run', 'softmax', skinImages.map((image) => ({ imageId: image.imageId, output: [0.7, 0.3], outOfFold: true })));
    store.models.activate(skinModelId);
  } finally {
    store.close();
  }
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('gradedesk export predictions', () => {
  it('writes one row per image with the active model, probabilities that sum to 1, their argmax, expected grade and P(referable)', async () => {
    const out = path.join(root, 'predictions.csv');
    const written = JSON.parse(await cliOk('export', 'predictions', '--project', 'Clinic', '--out', out, '--json'));
    const text = await fs.readFile(out, 'utf8');
    expect(written).toEqual({ file: out, rows: PHOTOS.length, modelId: activeId });
    expect(headerOf(text)).toEqual(DR_COLUMNS);
    const rows = rowsOf(text);
    expect(rows.map((row) => originalText(row.image!)).sort()).toEqual(PHOTOS.map((photo) => photo.stem).sort());

    for (const photo of PREDICTED) {
      const row = rows.find((r) => originalText(r.image!) === photo.stem)!;
      const p = DR_GRADE_NAMES.map((name) => Number(row[`p_${name}`]));
      const grade = argmax(p);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      p.forEach((value, k) => expect(value).toBeCloseTo(softmax(photo.output)[k]!, 5));
      expect(Number(row.predicted)).toBe(grade);
      expect(row.predicted_name).toBe(`${grade} (${DR_GRADE_NAMES[grade]})`);
      expect(Number(row.expected_grade)).toBeCloseTo(p.reduce((sum, pk, k) => sum + k * pk, 0), 5);
      expect(Number(row.p_referable)).toBeCloseTo(p[2]! + p[3]! + p[4]!, 5);
      expect(row.out_of_fold).toBe(photo.outOfFold ? '1' : '0');
      expect(row).toMatchObject({ model_id: String(activeId), model_name: 'softmax run', image_id: String(imageIds.get(photo.stem)) });
    }
    // The patient and eye come from the EyePACS-style name.
    expect(rows.find((r) => r.image === '10_right')).toMatchObject({ group: '10', eye: 'right', file: '10_right.jpeg' });
    // The image the model has not predicted keeps its row, with the prediction's cells empty.
    const unpredicted = rows.find((r) => r.image === '13_left')!;
    expect(unpredicted).toMatchObject({ group: '13', eye: 'left', predicted: '', predicted_name: '', expected_grade: '', out_of_fold: '', p_referable: '', 'p_No DR': '' });
  });

  it('neutralises a file name a spreadsheet would run as a formula, and gives it back without the leading quote', async () => {
    const rows = rowsOf(await cliOk('export', 'predictions', '--project', 'Clinic'));
    const hostile = rows.find((row) => originalText(row.image!) === '=1+1_left')!;
    expect(hostile).toMatchObject({ image: "'=1+1_left", file: "'=1+1_left.jpeg", group: "'=1+1", eye: 'left' });
  });

  it('exports another model of the project with --model, the same as the api writes it', async () => {
    const printed = await cliOk('export', 'predictions', '--project', 'Clinic', '--model', String(ordinalId));
    const rows = rowsOf(printed);
    expect(new Set(rows.map((row) => row.model_name))).toEqual(new Set(['ordinal run']));
    for (const row of rows.filter((r) => r.predicted !== '')) {
      const p = DR_GRADE_NAMES.map((name) => Number(row[`p_${name}`]));
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(Number(row.predicted)).toBe(argmax(p));
      expect(row.out_of_fold).toBe('1');
    }

    const workspace = Workspace.open(dataDir);
    try {
      const handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
      const file = path.join(root, 'api-predictions.csv');
      const result = await dispatch(handlers, 'exports.predictions', { projectId: workspace.store.projects.byName('Clinic').id, modelId: ordinalId, file });
      expect(result).toEqual({ ok: true, value: { file, rows: PHOTOS.length, modelId: ordinalId } });
      expect(await fs.readFile(file, 'utf8')).toBe(printed);
    } finally {
      await workspace.close();
    }
  });

  it('writes the classes of a multiclass project, without the DR-only columns', async () => {
    const text = await cliOk('export', 'predictions', '--project', 'Skin');
    expect(headerOf(text)).toEqual(['image', 'file', 'image_id', 'group', 'eye', 'model_id', 'model_name', 'p_nv', 'p_mel', 'predicted', 'predicted_name', 'out_of_fold']);
    expect(rowsOf(text).map((row) => row.predicted_name)).toEqual(PHOTOS.map(() => 'nv'));
  });

  it('refuses a model of another project, and says why a missing folder cannot be written', async () => {
    const other = await cli('export', 'predictions', '--project', 'Clinic', '--model', String(skinModelId));
    expect(other).toMatchObject({ code: 1, stderr: `gradedesk: Model ${skinModelId} belongs to another project.\n` });
    const nowhere = path.join(root, 'missing', 'predictions.csv');
    const unwritable = await cli('export', 'predictions', '--project', 'Clinic', '--out', nowhere);
    expect(unwritable).toMatchObject({ code: 1, stderr: `gradedesk: The predictions could not be written to "${nowhere}": part of the path does not exist.\n` });
  });
});

describe('gradedesk export submission', () => {
  it('writes APTOS id_code,diagnosis from the labels: the graded images, named without their extension, as the label file had them', async () => {
    const out = path.join(root, 'aptos.csv');
    const written = JSON.parse(await cliOk('export', 'submission', '--project', 'Clinic', '--format', 'aptos', '--out', out, '--json'));
    const text = await fs.readFile(out, 'utf8');
    expect(written).toEqual({ file: out, rows: GRADED.length });
    expect(headerOf(text)).toEqual(['id_code', 'diagnosis']);
    const rows = rowsOf(text).map((row) => ({ id: originalText(row.id_code!), grade: Number(row.diagnosis) }));
    expect(rows.sort((a, b) => a.id.localeCompare(b.id))).toEqual(GRADED.map((photo) => ({ id: photo.stem, grade: photo.grade })).sort((a, b) => a.id.localeCompare(b.id)));
    expect(rowsOf(text).map((row) => row.id_code)).toContain("'=1+1_left");
  });

  it('writes EyePACS image,level from the active model\'s predicted grades, through the cli and the api alike', async () => {
    const printed = await cliOk('export', 'submission', '--project', 'Clinic', '--format', 'eyepacs', '--from', 'predictions');
    expect(headerOf(printed)).toEqual(['image', 'level']);
    const levels = new Map(rowsOf(printed).map((row) => [originalText(row.image!), Number(row.level)]));
    expect(levels).toEqual(new Map(PREDICTED.map((photo) => [photo.stem, argmax(photo.output)])));

    const workspace = Workspace.open(dataDir);
    try {
      const handlers: Handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
      const clinic = workspace.store.projects.byName('Clinic').id;
      const file = path.join(root, 'api-eyepacs.csv');
      expect(await dispatch(handlers, 'exports.submission', { projectId: clinic, file, format: 'eyepacs', from: 'predictions' })).toEqual({
        ok: true,
        value: { file, rows: PREDICTED.length },
      });
      expect(await fs.readFile(file, 'utf8')).toBe(printed);

      // Bad input, refused in words: a multiclass project, a model of another project, a model for a labels submission, an unknown format.
      const skin = workspace.store.projects.byName('Skin').id;
      expect(await dispatch(handlers, 'exports.submission', { projectId: skin, file, format: 'aptos' })).toEqual({
        ok: false,
        error: { code: 'invalid', message: 'Submission files (APTOS, EyePACS) hold DR grades; Skin is a multiclass project.' },
      });
      expect(await dispatch(handlers, 'exports.submission', { projectId: clinic, file, format: 'aptos', from: 'predictions', modelId: skinModelId })).toEqual({
        ok: false,
        error: { code: 'invalid', message: `Model ${skinModelId} belongs to another project.` },
      });
      expect(await dispatch(handlers, 'exports.submission', { projectId: clinic, file, format: 'aptos', modelId: activeId })).toMatchObject({
        ok: false,
        error: { code: 'bad-request', message: expect.stringContaining('A model is chosen only for a submission from predictions') },
      });
      expect(await dispatch(handlers, 'exports.submission', { projectId: clinic, file, format: 'kaggle' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      expect(await fs.readFile(file, 'utf8')).toBe(printed);
    } finally {
      await workspace.close();
    }
  });

  it('refuses a multiclass project and an unknown format on the command line', async () => {
    expect(await cli('export', 'submission', '--project', 'Skin', '--format', 'eyepacs')).toMatchObject({
      code: 1,
      stderr: 'gradedesk: Submission files (APTOS, EyePACS) hold DR grades; Skin is a multiclass project.\n',
    });
    const unknown = await cli('export', 'submission', '--project', 'Clinic', '--format', 'kaggle');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Allowed choices are aptos, eyepacs/);
  });
});
