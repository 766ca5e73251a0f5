// The evaluation report of a real (tiny) model trained on generated photographs, through the api and the
// CLI: its figures are those `models.evaluate` answers, its charts are inline SVG, it asks for nothing from
// a network, runs no script whatever the names in it, and is still written when Grad-CAM cannot be made.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult } from '../../src/shared/api';
import type { Project } from '../../src/shared/domain';
import type { EvaluationReportWritten } from '../../src/shared/evaluation-report';
import { headlineFigures, HEADLINE_METRICS, type Evaluation } from '../../src/shared/ml';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers, type Handlers } from '../../src/main/api/handlers';
import { runCli } from '../../src/main/cli/program';
import { writeDemoDataset } from '../../src/main/demo/dataset';
import { gradCamFiles } from '../../src/main/ml/explain/gradcam-render';
import { Workspace } from '../../src/main/app/workspace';

const HOSTILE_PROJECT = '<script>alert("project")</script> & Co';
const HOSTILE_READER = '<img src=x onerror=alert(1)>';

let root: string;
let dataDir: string;
let workspace: Workspace;
let project: Project;
let handlers: Handlers;
let modelId: number;

const call = async <T>(method: string, request: unknown) => (await dispatch(handlers, method, request)) as ApiResult<T>;
const ok = async <T>(method: string, request: unknown): Promise<T> => {
  const result = await call<T>(method, request);
  if (!result.ok) throw new Error(`${method} failed: ${result.error.message}`);
  return result.value;
};

/** Every element carrying `attribute`, as the map of its attributes (the report marks its figures with data-*). */
function elementsWith(html: string, attribute: string): Array<Record<string, string>> {
  const tags = html.match(new RegExp(`<[a-z]+[^>]*\\s${attribute}(=|\\s|>)[^>]*>`, 'g')) ?? [];
  return tags.map((tag) => Object.fromEntries([...tag.matchAll(/([a-z-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])));
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-report-'));
  dataDir = path.join(root, 'data');
  const demo = await writeDemoDataset(path.join(root, 'photos'), { count: 60, seed: 31, minSize: 256, maxSize: 320 });
  workspace = Workspace.open(dataDir);
  handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
  project = await ok<Project>('projects.create', { name: HOSTILE_PROJECT, task: 'dr-grade' });
  await workspace.startImport({ project, folder: path.join(demo.dir, 'images'), labelsFile: demo.labelsFile }).done;
  const started = workspace.startTraining(project, { inputSize: 96, epochs: 4, validation: { kind: 'k-fold', folds: 2 } });
  modelId = started.modelId;
  await started.job.done;

  // Two readers grade the first twenty images after training, so there is agreement to report.
  const images = workspace.store.images.page(project.task, { projectId: project.id, offset: 0, limit: 20 }).rows;
  for (const [n, name] of ['Dr Ellis', HOSTILE_READER].entries()) {
    const reader = await ok<{ id: number }>('readers.ensure', { name });
    for (const [k, image] of images.entries()) await ok('labels.record', { imageId: image.id, value: (k + n * (k % 3 === 0 ? 1 : 0)) % 5, readerId: reader.id });
  }
}, 600_000);

afterAll(async () => {
  await workspace?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('the evaluation report', () => {
  let html: string;
  let written: EvaluationReportWritten;
  let evaluation: Evaluation;

  it('is written through the api for the active model, with Grad-CAM of its largest errors', async () => {
    const file = path.join(root, 'report.html');
    written = await ok<EvaluationReportWritten>('exports.report', { projectId: project.id, file });
    evaluation = await ok<Evaluation>('models.evaluate', { modelId });
    html = fs.readFileSync(file, 'utf8');
    expect(written).toMatchObject({ file, pdf: null, modelId, images: evaluation.samples, patients: evaluation.groups, gradCamUnavailable: null });
    expect(written.errorsShown).toBeGreaterThan(0);
    expect(written.errorsShown).toBeLessThanOrEqual(12);
  }, 300_000);

  it('gives the very figures and intervals of models.evaluate, out of fold, with n of images and patients', () => {
    expect(evaluation.basis).toBe('out-of-fold');
    expect(elementsWith(html, 'data-basis')[0]!['data-basis']).toBe('out-of-fold');
    expect(Number(elementsWith(html, 'data-samples')[0]!['data-samples'])).toBe(evaluation.samples);
    expect(Number(elementsWith(html, 'data-patients')[0]!['data-patients'])).toBe(evaluation.groups);
    const rows = new Map(elementsWith(html, 'data-metric').map((row) => [row['data-metric'], row]));
    const figures = headlineFigures(evaluation);
    for (const metric of HEADLINE_METRICS) {
      if (figures[metric] === null) {
        expect(rows.has(metric), metric).toBe(false);
        continue;
      }
      const row = rows.get(metric)!;
      expect(Number(row['data-value']), metric).toBe(figures[metric]);
      const interval = evaluation.intervals?.[metric];
      if (interval) expect([Number(row['data-low']), Number(row['data-high'])], metric).toEqual([interval.low, interval.high]);
    }
    expect(rows.get('qwk')).toBeDefined();
    expect(Number(elementsWith(html, 'data-threshold')[0]!['data-threshold'])).toBe(evaluation.referable!.threshold);
  });

  it('draws the confusion matrix, the ROC curve with its operating point and the reliability diagram as inline SVG', () => {
    const charts = elementsWith(html, 'data-chart').map((svg) => svg['data-chart']);
    expect(charts).toEqual(['confusion', 'roc', 'calibration']);
    expect(elementsWith(html, 'data-point')).toHaveLength(1);
    const cells = elementsWith(html, 'data-row').filter((cell) => 'data-column' in cell);
    expect(cells).toHaveLength(25);
    expect(html).toContain(`<polyline points="`);
  });

  it('has a model card with the training set by grade and patient', () => {
    const counts = elementsWith(html, 'data-images').map((cell) => Number(cell['data-images']));
    const snapshot = workspace.store.models.trainingImages(modelId);
    expect(counts).toHaveLength(5);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(snapshot.length);
    for (let grade = 0; grade < 5; grade++) expect(counts[grade], `grade ${grade}`).toBe(snapshot.filter((image) => image.label === grade).length);
    expect(html).toContain('2-fold cross-validation, folds grouped by patient');
    expect(html).toContain('mobilenet-v2-nsfwjs');
  });

  it('reports agreement between the two readers and shows their names escaped', () => {
    expect(elementsWith(html, 'data-pair')).toHaveLength(1);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain(HOSTILE_READER);
  });

  it('shows the largest errors as Grad-CAM overlays in data: URLs', () => {
    expect(elementsWith(html, 'data-gradcam')[0]!['data-gradcam']).toBe('shown');
    const pictures = [...html.matchAll(/<img src="([^"]*)"/g)].map((m) => m[1]!);
    expect(pictures).toHaveLength(written.errorsShown);
    for (const picture of pictures) expect(picture).toMatch(/^data:image\/jpeg;base64,[A-Za-z0-9+/=]+$/);
  });

  it('asks for nothing outside itself and runs no script, whatever the project is called', () => {
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">/);
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<[^>]*\son[a-z]+=/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;project&quot;)&lt;/script&gt; &amp; Co');
  });

  it('states its limits in plain words', () => {
    expect(html).toContain(`measured on ${evaluation.samples} images of ${evaluation.groups} patients`);
    expect(html).toContain(path.join(root, 'photos'));
    expect(html).toMatch(/not tested on other cameras/);
    expect(html).toMatch(/Out-of-fold figures from one site overstate/);
  });

  it('is written by `gradedesk export report` with the same figures', async () => {
    const file = path.join(root, 'cli-report.html');
    let stdout = '';
    const code = await runCli(['--data', dataDir, 'export', 'report', '--project', HOSTILE_PROJECT, '--model', String(modelId), '--out', file, '--json'], {
      stdout: (text) => void (stdout += text),
      stderr: () => undefined,
      interactive: false,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ file, modelId, images: written.images, patients: written.patients, errorsShown: written.errorsShown });
    const values = (text: string) => elementsWith(text, 'data-metric').map((row) => [row['data-metric'], row['data-value'], row['data-low'], row['data-high']]);
    expect(values(fs.readFileSync(file, 'utf8'))).toEqual(values(html));
  }, 120_000);

  it('is written de-identified on request: no file name, folder or grader name is left, and the figures are the same', async () => {
    const file = path.join(root, 'deidentified.html');
    await ok<EvaluationReportWritten>('exports.report', { projectId: project.id, file, deidentify: true });
    const text = fs.readFileSync(file, 'utf8');
    const shown = elementsWith(html, 'data-image-id').length;
    expect(shown).toBeGreaterThan(0);
    const fileNames = workspace.store.images.readable(project.id).map((image) => path.basename(image.path));
    const identifiers = [...fileNames, ...fileNames.map((name) => path.parse(name).name), path.join(root, 'photos'), 'Dr Ellis', HOSTILE_READER, 'onerror'];
    // The report as recorded names them; the de-identified one names none.
    expect(identifiers.filter((identifier) => html.includes(identifier)).length).toBeGreaterThan(2);
    for (const identifier of identifiers) expect(text, identifier).not.toContain(identifier);
    expect(text).toMatch(/I-[0-9a-f]{12}/);
    expect(text).toMatch(/R-[0-9a-f]{12}/);
    expect(text).toContain('data-deidentified');
    const values = (report: string) => elementsWith(report, 'data-metric').map((row) => [row['data-metric'], row['data-value'], row['data-low'], row['data-high']]);
    expect(values(text)).toEqual(values(html));
  }, 120_000);

  it('is refused, saying why, for a folder that does not exist and for a project without a model', async () => {
    const missing = await call('exports.report', { projectId: project.id, file: path.join(root, 'no such folder', 'report.html') });
    expect(missing).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringContaining('The report could not be written to') } });
    const empty = await ok<Project>('projects.create', { name: 'Empty', task: 'dr-grade' });
    const none = await call('exports.report', { projectId: empty.id, file: path.join(root, 'empty.html') });
    expect(none).toMatchObject({ ok: false, error: { code: 'invalid', message: 'Empty has no active model, so there is no model to report on; train one first.' } });
    expect(fs.existsSync(path.join(root, 'empty.html'))).toBe(false);
  });

  it('is printed to PDF only in the desktop app: in browser mode it says where to print it, and writes nothing', async () => {
    const file = path.join(root, 'browser.html');
    const result = await call('exports.report', { projectId: project.id, file, pdf: path.join(root, 'browser.pdf') });
    expect(result).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringContaining('open the HTML report in Chromium and print it') } });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('is still written when Grad-CAM cannot be made, saying why and showing the photographs', async () => {
    // The model's files and cached maps are gone: its figures are in the database, its heat maps cannot be made.
    fs.rmSync(workspace.store.models.dir(modelId), { recursive: true, force: true });
    fs.rmSync(path.dirname(gradCamFiles(workspace.cacheDir, modelId, 0, 0).heatmap), { recursive: true, force: true });
    const file = path.join(root, 'no-gradcam.html');
    const result = await ok<EvaluationReportWritten>('exports.report', { projectId: project.id, file });
    expect(result.gradCamUnavailable).toMatch(/^the heat maps could not be made/);
    const text = fs.readFileSync(file, 'utf8');
    expect(elementsWith(text, 'data-gradcam')[0]!['data-gradcam']).toBe('unavailable');
    expect(text).toContain('Grad-CAM is unavailable for this report');
    expect([...text.matchAll(/<img src="data:image\/jpeg;base64,/g)]).toHaveLength(result.errorsShown);
    expect(elementsWith(text, 'data-chart')).toHaveLength(3);
  }, 120_000);
});
