// A change of grading protocol settles the images already graded again, on a real data directory through the
// api table (as a team server calls it) and the CLI: each final label that changes is a new event, a consensus
// that no longer holds is withdrawn, a newly referred image waits for the adjudicator, and a decision stands.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataChange } from '../../src/main/app/changes';
import type { Workspace } from '../../src/main/app/workspace';
import { runCli } from '../../src/main/cli/program';
import type { ImageChange } from '../../src/shared/api';
import type { LabelEvent } from '../../src/shared/domain';
import type { Person } from '../../src/shared/people';
import type { AdjudicationCase, ProtocolChange } from '../../src/shared/protocols';
import { openReadingCentre, type ReadingCentre } from '../fixtures/reading-centre';

describe('changing the grading protocol of images already graded', () => {
  let centre: ReadingCentre;
  let workspace: Workspace;
  let dataDir: string;
  let people: ReadingCentre['people'];
  const announced: DataChange[] = [];

  const ok = <T>(method: string, payload: unknown, person: Person) => centre.ok<T>(method, payload, person);
  const newProject = (name: string) => centre.newProject(name);
  const grade = (imageId: number, value: number, who: Person) => centre.grade(imageId, value, who);
  const setProtocol = (projectId: number, protocol: Record<string, unknown>) =>
    ok<ProtocolChange>('protocol.set', { projectId, readerId: people.Carla.id, ...protocol }, people.Carla);
  const current = (imageId: number) => workspace.store.labels.current(imageId);
  const history = (imageId: number) => workspace.store.labels.history(imageId);
  const referred = async (projectId: number) => (await ok<AdjudicationCase[]>('adjudication.list', { projectId }, people.Dev)).map((c) => [c.imageId, c.reason]);

  beforeAll(async () => {
    centre = await openReadingCentre('gradedesk-protocol-change-', ['b1.jpeg', 'b2.jpeg', 'b3.jpeg']);
    ({ workspace, dataDir, people } = centre);
    workspace.changes.on('changed', (change) => announced.push(change));
  }, 60_000);

  afterAll(() => centre?.close());

  it('settles two graders one step apart again under each new policy, withdraws a consensus that is now referred, and keeps a decision', async () => {
    const { project, ids } = await newProject('Policy change');
    const [split, agreed] = ids as [number, number];
    await setProtocol(project.id, { kind: 'double-blind', graders: 2, policy: 'majority' });
    await grade(split, 2, people.Ana);
    await grade(split, 3, people.Ben);
    await grade(agreed, 0, people.Ana);
    await grade(agreed, 0, people.Ben);
    // Two graders one step apart have no majority: the image waits for the adjudicator; the agreed one is settled.
    expect(current(split)).toBeNull();
    expect(await referred(project.id)).toEqual([[split, 'no-majority']]);
    expect(current(agreed)).toMatchObject({ value: 0, source: 'adjudication' });
    const agreedHistory = history(agreed).length;

    // Most severe: the split image gets the more severe grade, by a new event of the admin who changed the policy.
    announced.length = 0;
    const severe = await setProtocol(project.id, { kind: 'double-blind', graders: 2, policy: 'most-severe' });
    expect(severe.finalLabels).toEqual({ changed: 1, withdrawn: 0, referred: 0 });
    expect(current(split)).toMatchObject({ value: 3, source: 'adjudication', readerName: 'Carla' });
    const settled = history(split).at(-1)!;
    expect(settled).toMatchObject({ origin: 'consensus (most-severe)', value: 3, previousValue: null, note: 'the grading protocol changed' });
    expect(await referred(project.id)).toEqual([]);
    expect(history(agreed)).toHaveLength(agreedHistory);
    expect(announced).toContainEqual({ projectId: project.id, imageIds: [split], what: 'labels', eventIds: [settled.id] });

    // Adjudicated on any difference: the consensus no longer holds, and the image has no final label until it is decided.
    const strict = await setProtocol(project.id, { kind: 'double-adjudicated', graders: 2, refer: ['any-difference'] });
    expect(strict.finalLabels).toEqual({ changed: 0, withdrawn: 1, referred: 1 });
    expect(current(split)).toBeNull();
    expect(history(split).at(-1)).toMatchObject({ origin: 'consensus withdrawn (referred: any-difference)', value: null, previousValue: 3, readerName: 'Carla' });
    expect(await referred(project.id)).toEqual([[split, 'any-difference']]);
    expect(current(agreed)).toMatchObject({ value: 0 });
    expect(history(agreed)).toHaveLength(agreedHistory);
    // Nothing was overwritten: the graders' grades and the earlier consensus are still in the history, in order.
    expect(history(split).map((e) => [e.readerName, e.origin, e.value])).toEqual([
      ['Ana', null, 2],
      ['Ben', null, 3],
      ['Carla', 'consensus (most-severe)', 3],
      ['Carla', 'consensus withdrawn (referred: any-difference)', null],
    ]);

    // The adjudicator decides; a later change of policy leaves the decision standing and writes nothing.
    const decided = await ok<ImageChange<LabelEvent>>('adjudication.decide', { imageId: split, value: 2, readerId: people.Dev.id }, people.Dev);
    const decidedHistory = history(split).length;
    for (const policy of ['most-severe', 'majority'] as const) {
      expect((await setProtocol(project.id, { kind: 'double-blind', graders: 2, policy })).finalLabels).toEqual({ changed: 0, withdrawn: 0, referred: 0 });
      expect(current(split)).toMatchObject({ value: 2, readerName: 'Dev', eventId: decided.event.id });
      expect(history(split)).toHaveLength(decidedHistory);
    }
  });

  it('follows the number of graders and a policy between three graders, and prints what changed in the CLI', async () => {
    const { project, ids } = await newProject('Three graders');
    const [image] = ids as [number];
    await setProtocol(project.id, { kind: 'double-blind', graders: 2, policy: 'majority' });
    await grade(image, 1, people.Ana);
    await grade(image, 1, people.Ben);
    expect(current(image)).toMatchObject({ value: 1 });

    // A third grader per image: the image waits for Eve, so the consensus of two is withdrawn.
    expect((await setProtocol(project.id, { kind: 'double-blind', graders: 3, policy: 'majority' })).finalLabels).toEqual({ changed: 0, withdrawn: 1, referred: 0 });
    expect(current(image)).toBeNull();
    expect(history(image).at(-1)).toMatchObject({ origin: 'consensus withdrawn', value: null });
    await grade(image, 2, people.Eve);
    expect(current(image)).toMatchObject({ value: 1 });
    expect(history(image).at(-1)!.origin).toBe('consensus (majority)');

    const cli = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(['--data', dataDir, ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), interactive: false });
      return { code, stdout, stderr };
    };
    const set = await cli('protocol', 'set', '--project', project.name, '--reader', 'Carla', '--kind', 'double-blind', '--graders', '3', '--policy', 'most-severe');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/Final labels settled again: 1 changed, 0 consensus withdrawn, 0 image\(s\) newly referred/);
    // The majority's 1 becomes the most severe 2 by a new event; the majority's event stays in the history.
    expect(current(image)).toMatchObject({ value: 2, readerName: 'Carla' });
    expect(history(image).slice(-2).map((e) => [e.origin, e.value])).toEqual([
      ['consensus (majority)', 1],
      ['consensus (most-severe)', 2],
    ]);
    const json = await cli('--json', 'protocol', 'set', '--project', project.name, '--reader', 'Carla', '--kind', 'double-blind', '--graders', '3', '--policy', 'most-severe');
    expect(JSON.parse(json.stdout)).toMatchObject({ protocol: { policy: 'most-severe' }, finalLabels: { changed: 0, withdrawn: 0, referred: 0 } });
    const byGrader = await cli('protocol', 'set', '--project', project.name, '--reader', 'Ana', '--kind', 'single');
    expect(byGrader.code).toBe(1);
    expect(byGrader.stderr).toMatch(/Ana is a grader; only an admin changes how a project is graded/);
  });
});
