// Agreement through the real CLI and the api table on a real data directory: three readers grade the same
// ten images (two through the CLI, one through the api, with an undone slip), and `gradedesk agreement`
// reports the κ worked out by hand below.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgreementSummary } from '../../src/shared/agreement';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers } from '../../src/main/api/handlers';
import { runCli } from '../../src/main/cli/program';
import { Workspace } from '../../src/main/app/workspace';
import { writeJpeg } from '../fixtures/images';

// Ten images of five patients (left and right eye), in file-name order.
const FILES = Array.from({ length: 10 }, (_, i) => `p${Math.floor(i / 2) + 1}_${i % 2 ? 'right' : 'left'}.jpeg`);
const ANN = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4];
const BEN = [0, 1, 1, 1, 2, 3, 3, 2, 4, 4];
const CY = [0, 0, 1, 2, 2, 2, 3, 3, 4, 3];

// Ann and Ben by hand. They agree on 7 of 10: p_o = 0.7. Ann's margins are 2 of each grade, Ben's 1, 3, 2, 2, 2,
// so p_e = (2·1 + 2·3 + 2·2 + 2·2 + 2·2)/100 = 0.2 and κ = (0.7 − 0.2)/(1 − 0.2) = 0.625.
// Quadratic: the three disagreements are one grade apart (observed 3); expected Σ (i−j)² r_i c_j / n
// = (2/10) Σ_j c_j Σ_i (i−j)² = 0.2 (1·30 + 3·15 + 2·10 + 2·15 + 2·30) = 37; κ_w = 1 − 3/37 = 34/37.
const ANN_BEN_KAPPA = 0.625;
const ANN_BEN_QUADRATIC = 34 / 37;
// Ann and Cy agree on 8 of 10 (p_o 0.8); Cy's margins are 2, 1, 3, 3, 1, so p_e = 2·10/100 = 0.2 and κ = 0.6/0.8 = 0.75.
const ANN_CY_KAPPA = 0.75;
// Fleiss over the three: five images all agree (P_i = 1), five split 2–1 (P_i = (4 + 1 − 3)/6 = 1/3): P̄ = 2/3.
// Category totals 5, 6, 7, 7, 5 of 30 ratings: P̄e = (25 + 36 + 49 + 49 + 25)/900 = 184/900; κ = (600 − 184)/(900 − 184) = 416/716.
const FLEISS_KAPPA = 416 / 716;

describe('gradedesk agreement', () => {
  let root: string;
  let dataDir: string;
  let folder: string;

  const cli = async (...args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--data', dataDir, ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), interactive: false });
    return { code, stdout, stderr };
  };
  const json = async (...args: string[]) => {
    const run = await cli(...args, '--json');
    expect(run.stderr.split('\n').filter((line) => line.startsWith('gradedesk:'))).toEqual([]);
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout);
  };
  /** The api table on the same data directory, opened for one piece of work. */
  const withApi = async <T>(work: (call: (method: string, payload: unknown) => Promise<never>) => Promise<T>): Promise<T> => {
    const workspace = Workspace.open(dataDir);
    const handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
    try {
      return await work(async (method, payload) => {
        const result = await dispatch(handlers, method, payload);
        if (!result.ok) throw new Error(`${method} failed: ${result.error.message}`);
        return result.value as never;
      });
    } finally {
      await workspace.close();
    }
  };

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-agreement-'));
    dataDir = path.join(root, 'data');
    folder = path.join(root, 'images');
    for (const [i, file] of FILES.entries()) await writeJpeg(path.join(folder, file), i + 1, 64, 48);
    for (const name of ['Clinic', 'Solo']) {
      await json('project', 'create', name);
      await json('import', folder, '--project', name);
    }
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('reports Cohen\'s κ of two readers, graded through the CLI, as worked out by hand', async () => {
    for (const [reader, grades] of [['Ann', ANN], ['Ben', BEN]] as const) {
      for (const [i, file] of FILES.entries()) await json('grade', file, String(grades[i]), '--project', 'Clinic', '--reader', reader);
    }
    const summary: AgreementSummary = await json('agreement', '--project', 'Clinic');
    expect(summary.readers).toEqual(['Ann', 'Ben']);
    const [pair] = summary.pairs;
    expect(pair!.readers).toEqual(['Ann', 'Ben']);
    expect(pair!.n).toBe(10);
    expect(pair!.kappa).toBeCloseTo(ANN_BEN_KAPPA, 12);
    expect(pair!.quadraticKappa).toBeCloseTo(ANN_BEN_QUADRATIC, 12);
    expect(pair!.percentAgreement).toBeCloseTo(0.7, 12);
    expect(pair!.confusion).toEqual([
      [1, 1, 0, 0, 0],
      [0, 2, 0, 0, 0],
      [0, 0, 1, 1, 0],
      [0, 0, 1, 1, 0],
      [0, 0, 0, 0, 2],
    ]);
    // Ten images of five patients say little: the interval is wide, and the notes say the figures are indicative.
    expect(pair!.intervals.kappa!.low).toBeLessThan(ANN_BEN_KAPPA - 0.1);
    expect(pair!.intervals.kappa!.high).toBeGreaterThan(ANN_BEN_KAPPA);
    expect(summary.notes.join(' ')).toMatch(/fewer than 30 images are indicative only/);
    // Ben graded last, so every current label is Ben's own grade: Ben is not compared with it, Ann is (against Ben's grades).
    expect(summary.againstReference.map((r) => [r.grader, r.n, r.kappa])).toEqual([['Ann', 10, expect.closeTo(ANN_BEN_KAPPA, 12)]]);
    expect(summary.fleiss).toBeNull();
    // Over time: every comparison falls in the week it was graded, and the weeks add up to the pair.
    expect(pair!.overTime.map((w) => w.week)).toEqual([...new Set(pair!.overTime.map((w) => w.week))].sort());
    expect(pair!.overTime.reduce((n, w) => n + w.n, 0)).toBe(10);
    if (pair!.overTime.length === 1) expect(pair!.overTime[0]!.kappa).toBeCloseTo(ANN_BEN_KAPPA, 12);

    const text = await cli('agreement', '--project', 'Clinic');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Ann - Ben\s+10\s+0\.63 \(-?\d\.\d\d to \d\.\d\d\)\s+0\.92 \(/);
    expect(text.stdout).toMatch(/no active model/);
    expect(text.stdout).toMatch(/OVER TIME\s+WEEK\s+N\s+KAPPA/);
    expect(text.stdout).toMatch(/Ann - Ben\s+\d{4}-W\d\d\s+\d+\s/);
  });

  it('takes a third reader\'s grades over the api, with a slip undone, and gives Fleiss\' κ over the three', async () => {
    const summary = await withApi(async (call) => {
      const project = (await call('projects.list', {}) as Array<{ id: number; name: string }>).find((p) => p.name === 'Clinic')!;
      const reader = (await call('readers.ensure', { name: 'Cy' })) as { id: number };
      const rows = ((await call('images.page', { projectId: project.id, offset: 0, limit: 100, sort: 'name' })) as { rows: Array<{ id: number; fileName: string }> }).rows;
      const imageOf = (file: string) => rows.find((row) => row.fileName === file)!.id;
      for (const [i, file] of FILES.entries()) await call('labels.record', { imageId: imageOf(file), value: CY[i], readerId: reader.id });
      // A slip on the last image, undone: Cy's grade of it is 3 again.
      const slip = (await call('labels.record', { imageId: imageOf(FILES[9]!), value: 0, readerId: reader.id })) as { event: { id: number } };
      await call('labels.undo', { eventId: slip.event.id, readerId: reader.id });
      return (await call('agreement.summary', { projectId: project.id })) as AgreementSummary;
    });
    expect(summary.readers).toEqual(['Ann', 'Ben', 'Cy']);
    expect(summary.pairs.map((p) => p.readers.join('-'))).toEqual(['Ann-Ben', 'Ann-Cy', 'Ben-Cy']);
    expect(summary.pairs[0]!.kappa).toBeCloseTo(ANN_BEN_KAPPA, 12);
    expect(summary.pairs[1]!.kappa).toBeCloseTo(ANN_CY_KAPPA, 12);
    expect(summary.fleiss).toMatchObject({ readers: ['Ann', 'Ben', 'Cy'], n: 10, kappa: expect.closeTo(FLEISS_KAPPA, 12) });
    // The current labels are now Cy's: Ann and Ben are compared with them, Cy is not.
    expect(summary.againstReference.map((r) => r.grader)).toEqual(['Ann', 'Ben']);
    const ann = summary.againstReference[0]!;
    expect(ann.kappa).toBeCloseTo(ANN_CY_KAPPA, 12);
    // Referable (grade ≥ 2) by Cy on images 4–10; Ann calls 5–10 of them (misses image 4, a 1 for Cy's 2) and none of the others.
    expect(ann.sensitivity).toBeCloseTo(6 / 7, 12);
    expect(ann.specificity).toBe(1);
    // Over time: the weeks add up to the whole, and one week (the usual case for a test) gives the whole's figures.
    expect(summary.fleiss!.overTime.reduce((n, w) => n + w.n, 0)).toBe(10);
    expect(ann.overTime.reduce((n, w) => n + w.n, 0)).toBe(10);
    if (summary.fleiss!.overTime.length === 1) expect(summary.fleiss!.overTime[0]!.kappa).toBeCloseTo(FLEISS_KAPPA, 12);
    if (ann.overTime.length === 1) expect(ann.overTime[0]).toMatchObject({ sensitivity: expect.closeTo(6 / 7, 12), specificity: 1 });

    // The CLI reads the same answer from the same file, and prints the weekly rates and Fleiss' κ by week.
    expect(await json('agreement', '--project', 'Clinic')).toEqual(summary);
    const text = await cli('agreement', '--project', 'Clinic');
    expect(text.stdout).toMatch(/OVER TIME\s+WEEK\s+N\s+KAPPA\s+QUADRATIC KAPPA\s+AGREEMENT\s+SENSITIVITY \(GRADE >= 2\)\s+SPECIFICITY/);
    expect(text.stdout).toMatch(/Ann vs final\s+\d{4}-W\d\d\s+\d+\s.*\d+% \(\d+% to \d+%\)\s+100% \(\d+% to 100%\)/);
    expect(text.stdout).toMatch(/Fleiss \(3 readers\)\s+\d{4}-W\d\d\s+\d+\s+0\.\d\d \(/);
  });

  it('says plainly that one reader has no one to compare with', async () => {
    for (const file of FILES.slice(0, 3)) await json('grade', file, '1', '--project', 'Solo', '--reader', 'Ann');
    const summary: AgreementSummary = await json('agreement', '--project', 'Solo');
    expect(summary).toMatchObject({ readers: ['Ann'], pairs: [], againstReference: [], fleiss: null });
    const text = await cli('agreement', '--project', 'Solo');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Only Ann has graded images of this project: there is no other reader to compare with\./);
  });
});
