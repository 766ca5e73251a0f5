// Grading protocols over the api table, as a team server calls it (dispatch with the signed-in person), on a
// real data directory: two graders grade blind, the server refuses what they may not see yet, the final labels
// follow each policy and referral rule, the adjudicator decides and undoes, and the history keeps every grade.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/program';
import type { Workspace } from '../../src/main/app/workspace';
import type { ImageChange, ImageDetail, ProjectSummary } from '../../src/shared/api';
import type { GridPage, ImageEvent, LabelEvent, Project } from '../../src/shared/domain';
import type { Person } from '../../src/shared/people';
import type { AdjudicationCase, GradingProtocol, ProtocolChange, WorkQueuePosition } from '../../src/shared/protocols';
import { openReadingCentre, type ReadingCentre } from '../fixtures/reading-centre';

const FILES = ['a1.jpeg', 'a2.jpeg', 'a3.jpeg', 'a4.jpeg', 'a5.jpeg', 'a6.jpeg'];

describe('grading protocols over the api, with two graders and an adjudicator', () => {
  let centre: ReadingCentre;
  let workspace: Workspace;
  let dataDir: string;
  let people: ReadingCentre['people'];

  const call = (method: string, payload: unknown, person?: Person) => centre.call(method, payload, person);
  const ok = <T>(method: string, payload: unknown, person?: Person) => centre.ok<T>(method, payload, person);
  const refusal = async (method: string, payload: unknown, person?: Person) => {
    const result = await call(method, payload, person);
    return result.ok ? null : result.error;
  };
  const newProject = (name: string) => centre.newProject(name);
  const grade = (imageId: number, value: number, who: Person, note?: string) => centre.grade(imageId, value, who, note);
  const current = (imageId: number) => workspace.store.labels.current(imageId);

  beforeAll(async () => {
    centre = await openReadingCentre('gradedesk-protocols-', FILES);
    ({ workspace, dataDir, people } = centre);
  }, 60_000);

  afterAll(() => centre?.close());

  it('keeps single grading as it was: the default protocol, and a grade is the current label at once', async () => {
    const { project, ids } = await newProject('Single');
    expect(await ok<GradingProtocol>('protocol.get', { projectId: project.id }, people.Ana)).toMatchObject({ kind: 'single', graders: 1 });
    await grade(ids[0]!, 3, people.Ana);
    expect(current(ids[0]!)).toMatchObject({ value: 3, source: 'reader', readerName: 'Ana' });
    expect(await ok<ImageEvent[]>('labels.history', { imageId: ids[0] }, people.Ben)).toHaveLength(1);
    expect((await ok<{ imageIds: number[] }>('queue.list', { projectId: project.id, readerId: people.Ben.id }, people.Ben)).imageIds).not.toContain(ids[0]);
  });

  describe('double-adjudicated, two graders, most-severe policy', () => {
    let project: Project;
    let ids: number[];

    beforeAll(async () => {
      ({ project, ids } = await newProject('Trial'));
    });

    it('lets only an admin set the protocol on a team server', async () => {
      const request = { projectId: project.id, readerId: people.Carla.id, kind: 'double-adjudicated', graders: 2, refer: ['difference-2', 'referable-line', 'ungradable-vs-graded'], policy: 'most-severe', queueOrder: 'file' };
      expect(await refusal('protocol.set', request, people.Ana)).toMatchObject({ code: 'forbidden' });
      expect(await refusal('protocol.set', request, people.Dev)).toMatchObject({ code: 'forbidden' });
      // Without a sign-in (the desktop app, the CLI) the person named must still be an admin.
      expect(await refusal('protocol.set', { ...request, readerId: people.Dev.id })).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/only an admin/) });
      expect(await ok<ProtocolChange>('protocol.set', request, people.Carla)).toEqual({
        protocol: { kind: 'double-adjudicated', graders: 2, refer: ['difference-2', 'referable-line', 'ungradable-vs-graded'], policy: 'most-severe', queueOrder: 'file' },
        finalLabels: { changed: 0, withdrawn: 0, referred: 0 },
      });
    });

    it("refuses a grader, on the server, another grader's grade, the label history and the model's output until they have graded", async () => {
      const [image] = ids;
      const answer = await grade(image!, 1, people.Ana, 'small haemorrhage');
      // Ana's grade is hers: it does not set the image's label.
      expect(answer.event).toMatchObject({ value: 1, readerName: 'Ana', source: 'reader' });
      expect(current(image!)).toBeNull();

      for (const [method, payload] of [
        ['labels.history', { imageId: image }],
        ['predictions.forImage', { imageId: image }],
        ['gradcam.render', { imageId: image }],
        ['similar.forImage', { imageId: image }],
        ['images.page', { projectId: project.id, offset: 0, limit: 10, filter: { label: 1 } }],
        ['images.page', { projectId: project.id, offset: 0, limit: 10, sort: 'predicted' }],
        ['images.locate', { view: { projectId: project.id, sort: 'label' }, imageId: image }],
        ['triage.queue', { projectId: project.id, order: 'referable' }],
        ['agreement.summary', { projectId: project.id }],
        ['adjudication.list', { projectId: project.id }],
        ['adjudication.decide', { imageId: image, value: 1, readerId: people.Ben.id }],
      ] as const) {
        const refused = await refusal(method, payload, people.Ben);
        expect(refused, method).toMatchObject({ code: 'forbidden' });
        expect(refused!.message, method).toMatch(/graded blind/);
      }
      // Ben may open the image to grade it, without its label, note or Ana's events.
      const seen = await ok<ImageDetail>('images.get', { imageId: image }, people.Ben);
      expect(seen).toMatchObject({ id: image, label: null, note: null });
      // The desktop app (no sign-in) is held to the same when the call names its reader.
      expect(await refusal('labels.history', { imageId: image, readerId: people.Ben.id })).toMatchObject({ code: 'forbidden' });
      // The adjudicator is not blinded.
      expect(await ok<ImageEvent[]>('labels.history', { imageId: image }, people.Dev)).toHaveLength(1);

      const after = await grade(image!, 1, people.Ben);
      expect(after.history.map((event) => event.readerName)).toEqual(['Ana', 'Ben', 'Ben']);
      const history = await ok<ImageEvent[]>('labels.history', { imageId: image }, people.Ben);
      expect(history.map((e) => [e.readerName, e.source, e.origin, e.value])).toEqual([
        ['Ana', 'reader', null, 1],
        ['Ben', 'reader', null, 1],
        ['Ben', 'adjudication', 'consensus (agreement)', 1],
      ]);
      expect(current(image!)).toMatchObject({ value: 1, source: 'adjudication' });

      // The Library's grid in file order: the final label shows to those who graded the image, not to a grader who has not.
      const rowOf = async (who: Person) =>
        (await ok<GridPage>('images.page', { projectId: project.id, offset: 0, limit: 10 }, who)).rows.find((row) => row.id === image)!;
      expect((await rowOf(people.Ben)).label).toBe(1);
      expect((await rowOf(people.Eve)).label).toBeNull();
      expect((await rowOf(people.Dev)).label).toBe(1);

      // The project's counts per class are those of the final labels: kept from graders, shown to the adjudicator.
      const perClass = async (who: Person) => (await ok<ProjectSummary>('projects.get', { projectId: project.id }, who)).stats.perClass;
      expect(await perClass(people.Dev)).toMatchObject({ 1: 1 });
      expect(await perClass(people.Eve)).toEqual({});
      const listed = (await ok<ProjectSummary[]>('projects.list', {}, people.Eve)).find((p) => p.id === project.id)!;
      expect(listed.stats.perClass).toEqual({});
    });

    it('settles or refers each image by the rules and the policy, and owes each grader the right images', async () => {
      const [, i1, i2, i3, i4, i5] = ids;
      expect((await ok<{ imageIds: number[]; owed: number }>('queue.list', { projectId: project.id, readerId: people.Ana.id }, people.Ana)).imageIds).toEqual(ids.slice(1));
      await grade(i1!, 0, people.Ana);
      await grade(i2!, 1, people.Ana);
      await grade(i3!, 0, people.Ana, 'looks clean');
      await ok('images.setUngradable', { imageId: i4, ungradable: true, readerId: people.Ana.id }, people.Ana);
      await ok('images.setNote', { imageId: i4, note: 'cataract, nothing to see', readerId: people.Ana.id }, people.Ana);
      await grade(i5!, 2, people.Ana);
      expect(await ok('queue.next', { projectId: project.id, readerId: people.Ana.id }, people.Ana)).toEqual({ imageId: null, owed: 0, graded: 6 });
      expect(await ok('queue.next', { projectId: project.id, readerId: people.Ben.id }, people.Ben)).toEqual({ imageId: i1, owed: 5, graded: 1 });

      await grade(i1!, 1, people.Ben);
      await grade(i2!, 2, people.Ben);
      await grade(i3!, 3, people.Ben);
      await grade(i4!, 2, people.Ben);
      // One step apart, neither referable: the most severe grade is final.
      expect(current(i1!)).toMatchObject({ value: 1, source: 'adjudication' });
      for (const referred of [i2, i3, i4]) expect(current(referred!), `image ${referred}`).toBeNull();
      expect(current(i5!)).toBeNull();
      // A third grader owes nothing here: two graders per image, and the one image with one grade waits for its second.
      expect((await ok<{ imageIds: number[] }>('queue.list', { projectId: project.id, readerId: people.Eve.id }, people.Eve)).imageIds).toEqual([i5]);

      const cases = await ok<AdjudicationCase[]>('adjudication.list', { projectId: project.id }, people.Dev);
      expect(cases.map((c) => [c.imageId, c.reason])).toEqual([
        [i2, 'referable-line'],
        [i3, 'difference-2'],
        [i4, 'ungradable-vs-graded'],
      ]);
      const i3Case = cases.find((c) => c.imageId === i3)!;
      expect(i3Case.grades.map((g) => [g.readerName, g.value, g.ungradable, g.note])).toEqual([
        ['Ana', 0, false, 'looks clean'],
        ['Ben', 3, false, null],
      ]);
      expect(i3Case.grades.every((g) => !Number.isNaN(Date.parse(g.gradedAt)))).toBe(true);
      expect(cases.find((c) => c.imageId === i4)!.grades.map((g) => [g.readerName, g.ungradable, g.note])).toEqual([
        ['Ana', true, 'cataract, nothing to see'],
        ['Ben', false, null],
      ]);
    });

    it('lets the adjudicator decide a referred image and undo it, and refuses graders', async () => {
      const [, , i2] = ids;
      expect(await refusal('adjudication.decide', { imageId: i2, value: 2, readerId: people.Ana.id }, people.Ana)).toMatchObject({ code: 'forbidden' });
      const decided = await ok<ImageChange<LabelEvent>>('adjudication.decide', { imageId: i2, value: 2, readerId: people.Dev.id }, people.Dev);
      expect(decided.event).toMatchObject({ source: 'adjudication', origin: 'adjudicator', readerName: 'Dev', value: 2 });
      expect(current(i2!)).toMatchObject({ value: 2, readerName: 'Dev' });
      expect((await ok<AdjudicationCase[]>('adjudication.list', { projectId: project.id }, people.Dev)).map((c) => c.imageId)).not.toContain(i2);
      expect((await ok<AdjudicationCase[]>('adjudication.list', { projectId: project.id, includeDecided: true }, people.Dev)).find((c) => c.imageId === i2)!.decision)
        .toEqual({ value: 2, eventId: decided.event.id });
      // A grader cannot take the final label back; the adjudicator can, with the ordinary undo.
      expect(await refusal('labels.undo', { eventId: decided.event.id, readerId: people.Ana.id }, people.Ana)).toMatchObject({ code: 'forbidden' });
      await ok('labels.undo', { eventId: decided.event.id, readerId: people.Dev.id }, people.Dev);
      expect(current(i2!)).toBeNull();
      expect((await ok<AdjudicationCase[]>('adjudication.list', { projectId: project.id }, people.Dev)).map((c) => c.imageId)).toContain(i2);
      // A consensus follows the grades: nobody undoes it.
      const consensus = workspace.store.labels.history(ids[1]!).find((e) => e.origin?.startsWith('consensus'))!;
      expect(await refusal('labels.undo', { eventId: consensus.id, readerId: people.Dev.id }, people.Dev)).toMatchObject({ code: 'conflict' });
      // A settled image is not the adjudicator's to decide.
      expect(await refusal('adjudication.decide', { imageId: ids[1], value: 0, readerId: people.Dev.id }, people.Dev)).toMatchObject({ code: 'conflict' });
    });

    it("keeps every grade in the history: a grader's undo withdraws the consensus it made, and grading again restores it", async () => {
      const [, i1] = ids;
      const bens = workspace.store.labels.history(i1!).filter((e) => e.readerName === 'Ben' && e.source === 'reader');
      expect(await refusal('labels.undo', { eventId: bens.at(-1)!.id, readerId: people.Ana.id }, people.Ana)).toMatchObject({ code: 'conflict' });
      await ok('labels.undo', { eventId: bens.at(-1)!.id, readerId: people.Ben.id }, people.Ben);
      expect(current(i1!)).toBeNull();
      await grade(i1!, 1, people.Ben);
      expect(current(i1!)).toMatchObject({ value: 1 });
      const history = workspace.store.labels.history(i1!);
      expect(history.map((e) => [e.readerName, e.origin, e.value])).toEqual([
        ['Ana', null, 0],
        ['Ben', null, 1],
        ['Ben', 'consensus (most-severe)', 1],
        ['Ben', null, null],
        ['Ben', 'consensus withdrawn', null],
        ['Ben', null, 1],
        ['Ben', 'consensus (most-severe)', 1],
      ]);
      // Each grader's own grade is theirs in the per-grader view the agreement statistics read.
      const byReader = workspace.store.labels.gradesByReader(project.id).filter((g) => g.imageId === i1);
      expect(byReader.map((g) => [g.readerName, g.value])).toEqual([['Ana', 0], ['Ben', 1]]);
    });
  });

  it('majority of three settles 2–1 and refers a three-way split; the adjudicator policy refers any difference', async () => {
    const { project, ids } = await newProject('Majority');
    await ok('protocol.set', { projectId: project.id, readerId: people.Carla.id, kind: 'double-blind', graders: 3, policy: 'majority' }, people.Carla);
    for (const [who, values] of [[people.Ana, [2, 1]], [people.Ben, [2, 2]], [people.Eve, [3, 3]]] as const) {
      await grade(ids[0]!, values[0], who);
      await grade(ids[1]!, values[1], who);
    }
    expect(current(ids[0]!)).toMatchObject({ value: 2, source: 'adjudication' });
    expect(workspace.store.labels.history(ids[0]!).at(-1)!.origin).toBe('consensus (majority)');
    expect(current(ids[1]!)).toBeNull();
    expect((await ok<AdjudicationCase[]>('adjudication.list', { projectId: project.id }, people.Dev)).map((c) => [c.imageId, c.reason])).toEqual([[ids[1], 'no-majority']]);

    const other = await newProject('Adjudicator');
    await ok('protocol.set', { projectId: other.project.id, readerId: people.Carla.id, kind: 'double-blind', graders: 2, policy: 'adjudicator' }, people.Carla);
    await grade(other.ids[0]!, 1, people.Ana);
    await grade(other.ids[0]!, 2, people.Ben);
    await grade(other.ids[1]!, 4, people.Ana);
    await grade(other.ids[1]!, 4, people.Ben);
    expect(current(other.ids[0]!)).toBeNull();
    expect(current(other.ids[1]!)).toMatchObject({ value: 4 });
    expect((await ok<AdjudicationCase[]>('adjudication.list', { projectId: other.project.id }, people.Dev)).map((c) => c.reason)).toEqual(['adjudicator-policy']);
  });

  it('orders work queues at random per person by default: the same order each time for one, another for the next', async () => {
    const { project } = await newProject('Queues');
    await ok('protocol.set', { projectId: project.id, readerId: people.Carla.id, kind: 'double-blind', graders: 2 }, people.Carla);
    const queue = async (who: Person) => (await ok<{ imageIds: number[]; order: string }>('queue.list', { projectId: project.id, readerId: who.id }, who));
    const ana = await queue(people.Ana);
    expect(ana.order).toBe('random');
    expect((await queue(people.Ana)).imageIds).toEqual(ana.imageIds);
    expect([...ana.imageIds].sort((a, b) => a - b)).toEqual(workspace.store.protocols.imagesInFileOrder(project.id).sort((a, b) => a - b));
    expect((await queue(people.Ben)).imageIds).not.toEqual(ana.imageIds);
    expect(await refusal('queue.list', { projectId: project.id, readerId: people.Ana.id }, people.Ben)).toMatchObject({ code: 'forbidden' });
  });

  it("locates an image in a grader's queue: the queue's order, an image leaving it once graded by them or by enough others, and nobody else's queue", async () => {
    const { project, ids } = await newProject('Locate');
    await ok('protocol.set', { projectId: project.id, readerId: people.Carla.id, kind: 'double-blind', graders: 2 }, people.Carla);
    const locate = (imageId: number, who = people.Ana) => ok<WorkQueuePosition>('queue.locate', { projectId: project.id, readerId: who.id, imageId }, who);
    const queue = (await ok<{ imageIds: number[] }>('queue.list', { projectId: project.id, readerId: people.Ana.id }, people.Ana)).imageIds;
    expect(queue).not.toEqual(ids); // random per person, not the files' order

    // Following nextId from the first owed image walks the queue in its order.
    const walked: number[] = [];
    for (let at: number | null = queue[0]!; at !== null; at = (await locate(at)).nextId) walked.push(at);
    expect(walked).toEqual(queue);
    expect(await locate(queue[2]!)).toEqual({ index: 2, total: 6, previousId: queue[1], nextId: queue[3], order: 'random', counts: { owed: 6, graded: 0 } });

    // Graded by Ana: out of her queue, with the owed images around its place as neighbours.
    await grade(queue[1]!, 2, people.Ana);
    expect(await locate(queue[1]!)).toEqual({ index: -1, total: 5, previousId: queue[0], nextId: queue[2], order: 'random', counts: { owed: 5, graded: 1 } });
    expect(await locate(queue[2]!)).toMatchObject({ index: 1, previousId: queue[0] });
    // Ben's and Eve's grades give queue[3] its two graders: it leaves Ana's queue. One grade alone does not.
    await grade(queue[3]!, 1, people.Ben);
    expect(await locate(queue[3]!)).toMatchObject({ index: 2, counts: { owed: 5, graded: 1 } });
    await grade(queue[3]!, 1, people.Eve);
    expect(await locate(queue[3]!)).toEqual({ index: -1, total: 4, previousId: queue[2], nextId: queue[4], order: 'random', counts: { owed: 4, graded: 1 } });
    // An ungradable call is a call too; the last owed image has no next.
    await ok('images.setUngradable', { imageId: queue[5], ungradable: true, readerId: people.Ana.id }, people.Ana);
    expect(await locate(queue[4]!)).toMatchObject({ index: 2, total: 3, nextId: null, counts: { owed: 3, graded: 2 } });
    // Ben's queue is his own: the image Ana graded still waits for its second grader there.
    const bens = await locate(queue[1]!, people.Ben);
    expect(bens.index).toBeGreaterThanOrEqual(0);
    expect(bens.counts).toEqual({ owed: 5, graded: 1 });

    // Nobody asks for someone else's queue on a team server, admins included (as with queue.list); the desktop app names its reader.
    expect(await refusal('queue.locate', { projectId: project.id, readerId: people.Ana.id, imageId: queue[0] }, people.Ben)).toMatchObject({ code: 'forbidden' });
    expect(await refusal('queue.locate', { projectId: project.id, readerId: people.Ana.id, imageId: queue[0] }, people.Carla)).toMatchObject({ code: 'forbidden' });
    expect(await ok('queue.locate', { projectId: project.id, readerId: people.Ana.id, imageId: queue[0] })).toMatchObject({ index: 0 });
    const other = await newProject('Locate elsewhere');
    expect(await refusal('queue.locate', { projectId: project.id, readerId: people.Ana.id, imageId: other.ids[0] }, people.Ana)).toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/belongs to another project/),
    });
  });

  it('sets the protocol, lists the queue and adjudicates through the CLI', async () => {
    const cli = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(['--data', dataDir, ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), interactive: false });
      return { code, stdout, stderr };
    };
    const { project, ids } = await newProject('Command line');
    const set = await cli('protocol', 'set', '--project', project.name, '--reader', 'Carla', '--kind', 'double-adjudicated', '--graders', '2', '--refer', 'any-difference', '--policy', 'adjudicator');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/double-adjudicated, 2 graders per image, referred when: the grades differ/);
    await grade(ids[0]!, 0, people.Ana);
    await grade(ids[0]!, 1, people.Ben);
    const queue = await cli('--json', 'queue', '--project', project.name, '--reader', 'Ana');
    expect(JSON.parse(queue.stdout).owed).toBe(FILES.length - 1);
    const listed = await cli('adjudicate', '--project', project.name);
    expect(listed.stdout).toMatch(/a1\.jpeg.*Ana: 0.*Ben: 1.*the grades differ/);
    const decided = await cli('adjudicate', 'a1.jpeg', '1', '--project', project.name, '--reader', 'Dev');
    expect(decided.code, decided.stderr).toBe(0);
    expect(current(ids[0]!)).toMatchObject({ value: 1, readerName: 'Dev' });
    const byGrader = await cli('adjudicate', 'a1.jpeg', '1', '--project', project.name, '--reader', 'Ana');
    expect(byGrader.code).toBe(1);
    expect(byGrader.stderr).toMatch(/only an adjudicator or an admin/);
  });
});
