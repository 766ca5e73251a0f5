// The triage queue through its two doors: the api table the renderer calls and the `triage` command.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers, type Handlers } from '../../src/main/api/handlers';
import { runCli } from '../../src/main/cli/program';
import { Store } from '../../src/main/store';
import { Workspace } from '../../src/main/app/workspace';
import { REFERABLE_GRADE, taskSpecFor } from '../../src/shared/domain';
import { defaultTrainOptions } from '../../src/shared/ml';
import type { TriagePage, TriagePosition } from '../../src/shared/triage';
import { newImage } from '../fixtures/store-rows';

/** Five graded images and one not, with P(referable) 0.1 … 0.9 from an active softmax model. */
const IMAGES = [
  { name: 'p10.jpeg', label: 0, probabilities: [0.7, 0.2, 0.05, 0.03, 0.02] },
  { name: 'p80.jpeg', label: 3, probabilities: [0.1, 0.1, 0.3, 0.3, 0.2] },
  { name: 'p90.jpeg', label: 4, probabilities: [0.05, 0.05, 0.1, 0.2, 0.6] },
  { name: 'p40.jpeg', label: 0, probabilities: [0.3, 0.3, 0.2, 0.1, 0.1] },
  { name: 'p60.jpeg', label: null, probabilities: [0.2, 0.2, 0.2, 0.2, 0.2] },
];

let root: string;
let dataDir: string;
let projectId: number;
const ids = new Map<string, number>();

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-triage-cli-'));
  dataDir = path.join(root, 'data');
  await fs.mkdir(dataDir, { recursive: true });
  const store = Store.open(dataDir);
  try {
    const project = store.projects.create('Clinic', taskSpecFor('dr-grade'));
    projectId = project.id;
    store.projects.create('Skin', taskSpecFor('multiclass', ['nv', 'mel']));
    for (const image of IMAGES) {
      const id = store.images.insert(newImage(project.id, image.name));
      ids.set(image.name, id);
      if (image.label !== null) store.labels.record(project.task, { imageId: id, value: image.label, source: 'import', origin: 'labels.csv' });
    }
    const modelId = store.models.create({
      projectId,
      name: 'crafted',
      taskKind: 'dr-grade',
      classes: project.task.classes,
      options: { ...defaultTrainOptions('dr-grade'), head: 'softmax' },
      preprocessing: 'none',
      modelsDir: path.join(dataDir, 'models'),
    });
    store.predictions.save(
      IMAGES.map((image) => ({
        modelId,
        imageId: ids.get(image.name)!,
        probabilities: image.probabilities,
        predicted: image.probabilities.indexOf(Math.max(...image.probabilities)),
        expected: image.probabilities.reduce((sum, p, k) => sum + p * k, 0),
        referable: image.probabilities.slice(REFERABLE_GRADE).reduce((a, b) => a + b, 0),
        entropy: 0.5,
        margin: 0.1,
        outOfFold: image.label !== null,
        inTrainingSet: image.label !== null,
      })),
    );
    store.models.finish(modelId, { status: 'ready' });
    store.models.activate(modelId);
  } finally {
    store.close();
  }
});

afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('the triage api calls', () => {
  let workspace: Workspace;
  let handlers: Handlers;

  beforeAll(() => {
    workspace = Workspace.open(dataDir);
    handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
  });
  afterAll(() => workspace?.close());

  it('answers a page of the queue with its counts, and where an image stands in it', async () => {
    const result = await dispatch(handlers, 'triage.queue', { projectId, order: 'referable', limit: 2 });
    expect(result.ok).toBe(true);
    const page = (result as { value: TriagePage }).value;
    expect(page).toMatchObject({ order: 'referable', reviewed: 0, remaining: 5, total: 5, length: 5, offset: 0 });
    expect(page.items.map((item) => item.fileName)).toEqual(['p90.jpeg', 'p80.jpeg']);

    const located = await dispatch(handlers, 'triage.locate', { projectId, order: 'referable', imageId: ids.get('p80.jpeg') });
    expect((located as { value: TriagePosition }).value).toMatchObject({ index: 1, total: 5, previousId: ids.get('p90.jpeg'), nextId: ids.get('p60.jpeg') });
  });

  it('refuses an order it does not know, and a page too large, as bad requests', async () => {
    expect(await dispatch(handlers, 'triage.queue', { projectId, order: 'random' })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringMatching(/at "order"/) },
    });
    expect(await dispatch(handlers, 'triage.queue', { projectId, order: 'referable', limit: 5000 })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await dispatch(handlers, 'triage.queue', { projectId, order: 'referable', extra: true })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('passes on, with its code and sentence, that a project has no model to triage with', async () => {
    const skin = workspace.store.projects.byName('Skin');
    expect(await dispatch(handlers, 'triage.queue', { projectId: skin.id, order: 'referable' })).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: 'Skin has no active model yet: train one (Train view, or gradedesk train) and its predictions make the triage queue.' },
    });
  });
});

describe('gradedesk triage', () => {
  const cli = async (...args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--data', dataDir, ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), interactive: false });
    return { code, stdout, stderr };
  };

  it('prints the queue as JSON, in order, with --limit', async () => {
    const run = await cli('triage', '--project', 'Clinic', '--order', 'referable', '--limit', '3', '--json');
    expect(run.code).toBe(0);
    const page = JSON.parse(run.stdout) as TriagePage;
    expect(page.items.map((item) => item.fileName)).toEqual(['p90.jpeg', 'p80.jpeg', 'p60.jpeg']);
    expect(page).toMatchObject({ reviewed: 0, remaining: 5, total: 5 });
  });

  it('prints a table with the reader label, the prediction, the score in words and why', async () => {
    const run = await cli('triage', '--project', 'Clinic', '--order', 'disagreement');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^Model–reader disagreement — Clinic, model \d+: 0 reviewed, 4 remaining of 4\.$/);
    expect(lines[2]).toMatch(/^#\s+ID\s+FILE\s+READER\s+MODEL\s+SCORE\s+WHY$/);
    expect(lines[3]).toMatch(/^1\s+\d+\s+p80\.jpeg\s+3 \(Severe NPDR\)\s+2 \(Moderate NPDR\)\s+disagreement 1\.00\s+Reader: grade 3; the model says grade 2 \(expected grade 2\.4\), 1 grade apart\.$/);
    // Where reader and model agree, the row says so and comes after every disagreement.
    expect(lines[4]).toMatch(/^2\s+\d+\s+p40\.jpeg\s+0 \(No DR\)\s+0 \(No DR\)\s+disagreement 0\.00\s+Reader and model agree: grade 0 \(expected grade 1\.4\)\.$/);
  });

  it('refuses an unknown or missing order as a usage error, and a project without a model with one sentence', async () => {
    const unknown = await cli('triage', '--project', 'Clinic', '--order', 'random');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Allowed choices are referable, uncertainty, disagreement, top-loss, label-errors/);
    const missing = await cli('triage', '--project', 'Clinic');
    expect(missing.code).toBe(2);
    const noModel = await cli('triage', '--project', 'Skin', '--order', 'uncertainty');
    expect(noModel).toMatchObject({ code: 1, stderr: expect.stringMatching(/^gradedesk: Skin has no active model yet/) });
  });
});
