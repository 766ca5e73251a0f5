// `npm run bench -- graders`: 20 graders signed in to one team server over HTTP grade at once, without
// pause, for a minute (GRADEDESK_BENCH_GRADERS, GRADEDESK_BENCH_GRADERS_SECONDS); then every
// acknowledged grade must be in the history exactly once, under its grader, and nothing else.
import fs from 'node:fs';
import path from 'node:path';
import { startBridge } from '../bridge/server';
import { Workspace } from '../app/workspace';
import { checkHistory, describeIntegrity, eventIdsIn, gradeConcurrently, prepareGradingTeam, signInGraders, type GraderClient } from './grader-load';
import { percentile, printFigure, timed } from './measure';

const GRADERS = Number(process.env.GRADEDESK_BENCH_GRADERS ?? 20);
const SECONDS = Number(process.env.GRADEDESK_BENCH_GRADERS_SECONDS ?? 60);
const IMAGES = 200;
/** The no-op baseline runs a quarter of the load's time, at least 2 s and at most 15 s. */
const BASELINE_SECONDS = Math.min(15, Math.max(2, SECONDS / 4));

const log = (line: string) => process.stderr.write(`[graders] ${line}\n`);

/** The same clients calling `app.info` (signed in, no write) without pause: what HTTP and the session check cost. */
async function noOpLatencies(clients: GraderClient[], seconds: number): Promise<{ latenciesMs: number[]; seconds: number }> {
  const latenciesMs: number[] = [];
  const ends = performance.now() + seconds * 1000;
  const { seconds: spent } = await timed(() =>
    Promise.all(
      clients.map(async (client) => {
        while (performance.now() < ends) {
          const sent = performance.now();
          const answer = await client.call('app.info', {});
          if (answer.status !== 200) throw new Error(`app.info answered ${answer.status} to ${client.grader.person.name}`);
          latenciesMs.push(performance.now() - sent);
        }
      }),
    ),
  );
  return { latenciesMs, seconds: spent };
}

export async function benchGraders(scratch: string): Promise<void> {
  const root = path.join(scratch, 'graders');
  const rendererDir = path.join(root, 'renderer');
  fs.mkdirSync(rendererDir, { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Gradedesk</title>\n');
  const workspace = Workspace.open(path.join(root, 'data'));
  try {
    const prepared = await timed(() => prepareGradingTeam(workspace, { images: IMAGES, graders: GRADERS }));
    const team = prepared.result;
    log(`${team.imageIds.length} images and ${GRADERS} graders with passwords ready in ${prepared.seconds.toFixed(1)} s`);
    const bridge = await startBridge({ workspace, rendererDir, version: 'graders', team: true });
    try {
      const signedIn = await timed(() => signInGraders(bridge.origin, team));
      const clients = signedIn.result;
      log(`${clients.length} graders signed in over HTTP in ${signedIn.seconds.toFixed(1)} s; grading for ${SECONDS} s`);
      const before = eventIdsIn(workspace, team.imageIds);
      const load = await gradeConcurrently(clients, { team, seconds: SECONDS, seed: 1 });
      const noOp = await noOpLatencies(clients, BASELINE_SECONDS);
      for (const client of clients) client.close();

      const integrity = checkHistory(workspace, team.imageIds, before, load);
      const grades = load.acknowledged.filter((ack) => ack.undoOf === null).length;
      const undos = load.acknowledged.length - grades;
      const notes = load.acknowledged.filter((ack) => ack.note !== null).length;
      process.stdout.write(
        `graders: ${GRADERS} graders over HTTP (own sessions, keep-alive, no pause between calls) on ${IMAGES} images for ${load.seconds.toFixed(1)} s: ` +
          `${grades} grades acknowledged (${notes} with a note), ${undos} undos, ${load.conflicts} undos refused because another grader graded since, ${load.errors.length} errors\n`,
      );
      for (const error of [...new Set(load.errors)].slice(0, 5)) process.stdout.write(`  error: ${error}\n`);

      // Bare baseline: the same number of grades written straight into the store by one in-process caller.
      const direct = Math.max(grades, 1);
      const reader = team.graders[0]!.person.id;
      const bare = await timed(() => {
        for (let i = 0; i < direct; i++) workspace.store.labels.record(team.project.task, { imageId: team.imageIds[i % team.imageIds.length]!, value: i % 5, source: 'reader', readerId: reader });
      });
      const ms = (p: number) => percentile(load.latenciesMs, p);
      printFigure({
        name: `graders: grading rate, ${GRADERS} graders over HTTP`,
        value: grades / load.seconds,
        unit: 'grades/s',
        baseline: { name: `${direct} store.labels.record calls in-process, one caller`, value: direct / bare.seconds },
      });
      printFigure({ name: 'graders: write latency p95 (labels.record and labels.undo)', value: ms(95), unit: 'ms', baseline: { name: `app.info p95, same ${GRADERS} clients, ${noOp.seconds.toFixed(0)} s`, value: percentile(noOp.latenciesMs, 95) } });
      process.stdout.write(`graders: write latency p50 ${ms(50).toFixed(1)} ms, p95 ${ms(95).toFixed(1)} ms, p99 ${ms(99).toFixed(1)} ms, max ${ms(100).toFixed(1)} ms\n`);
      process.stdout.write(`graders: history check ${describeIntegrity(integrity)}\n`);
      const problems = workspace.store.integrityProblems();
      process.stdout.write(`graders: database check ${problems.length === 0 ? 'passed' : `FOUND ${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}`}\n`);
      if (!integrity.passed || problems.length > 0) process.exitCode = 1;
    } finally {
      await bridge.close();
    }
  } finally {
    await workspace.close();
  }
}
