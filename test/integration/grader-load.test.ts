import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../src/main/bridge/server';
import { Workspace } from '../../src/main/app/workspace';
import { checkHistory, eventIdsIn, gradeConcurrently, prepareGradingTeam, signInGraders, type GradingTeam } from '../../src/main/bench/grader-load';

/** `npm run bench -- graders` in small: 5 graders over HTTP at once for 3 s; the check, not the speed. */
describe('graders grading at once on one team server', () => {
  let root: string;
  let workspace: Workspace;
  let bridge: Bridge;
  let team: GradingTeam;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-graders-'));
    const rendererDir = path.join(root, 'renderer');
    await fs.mkdir(rendererDir, { recursive: true });
    await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Gradedesk</title>\n');
    workspace = Workspace.open(path.join(root, 'data'));
    // Few images, so that graders often grade the same image and undos meet other graders' grades.
    team = await prepareGradingTeam(workspace, { images: 12, graders: 5 });
    bridge = await startBridge({ workspace, rendererDir, version: 'test' });
  }, 120_000);

  afterAll(async () => {
    await bridge?.close();
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('keeps every acknowledged grade and undo in the history once, under its grader, and nothing else', { timeout: 120_000 }, async () => {
    expect(bridge.team).toBe(true);
    const clients = await signInGraders(bridge.origin, team);
    const before = eventIdsIn(workspace, team.imageIds);
    const load = await gradeConcurrently(clients, { team, seconds: 3, seed: 7, noteShare: 0.3, undoShare: 0.2 });
    for (const client of clients) client.close();

    expect(load.errors).toEqual([]);
    const graders = new Set(load.acknowledged.map((ack) => ack.grader));
    expect(graders.size).toBe(5);
    expect(load.acknowledged.some((ack) => ack.undoOf !== null)).toBe(true);
    expect(load.acknowledged.some((ack) => ack.note !== null)).toBe(true);

    const report = checkHistory(workspace, team.imageIds, before, load);
    expect(report).toMatchObject({ missing: [], duplicates: [], wrong: [], unacknowledged: [], passed: true });
    expect(report.acknowledged).toBe(load.acknowledged.length);
    expect(workspace.store.integrityProblems()).toEqual([]);
  });

  it('finds an event written behind the server’s back, one that went missing, one told twice and one under another name', async () => {
    const grader = team.graders[0]!;
    const imageId = team.imageIds[0]!;
    const before = eventIdsIn(workspace, team.imageIds);
    const kept = workspace.store.labels.record(team.project.task, { imageId, value: 1, source: 'reader', readerId: grader.person.id })!;
    const extra = workspace.store.labels.record(team.project.task, { imageId, value: 2, source: 'reader', readerId: grader.person.id })!;
    const other = workspace.store.labels.record(team.project.task, { imageId, value: 3, source: 'reader', readerId: grader.person.id })!;
    const told = { eventId: kept.id, grader: grader.person.name, imageId, value: 1, note: null, undoOf: null };
    const acknowledged = [told, told, { ...told, eventId: other.id + 1000 }, { ...told, eventId: other.id, value: 3, grader: team.graders[1]!.person.name }];
    const report = checkHistory(workspace, team.imageIds, before, { acknowledged, latenciesMs: [], conflicts: 0, errors: [], seconds: 0 });
    expect(report).toMatchObject({ missing: [other.id + 1000], duplicates: [kept.id], unacknowledged: [extra.id], passed: false });
    expect(report.wrong).toEqual([expect.stringMatching(new RegExp(`^event ${other.id}: acknowledged .*"readerName":"Grader 2".*stored .*"readerName":"Grader 1"`))]);
  });
});
