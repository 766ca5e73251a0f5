// `npm run bench -- fuzz`: the api fuzz at length (400 payloads per method for each of two seeds by
// default) against the real HTTP bridge on a demo project with a trained model, then the integrity check.
import fs from 'node:fs';
import path from 'node:path';
import { openDemoProject } from '../app/demo';
import { startBridge } from '../bridge/server';
import { Workspace } from '../app/workspace';
import { fuzzApi, type FuzzReport } from './api-fuzz';
import { printFigure, timed } from './measure';

const PER_METHOD = Number(process.env.GRADEDESK_FUZZ_PER_METHOD ?? 400);
const SEEDS = (process.env.GRADEDESK_FUZZ_SEEDS ?? '1,2').split(',').map(Number);

const log = (line: string) => process.stderr.write(`[fuzz] ${line}\n`);

export async function benchApiFuzz(scratch: string): Promise<void> {
  const root = path.join(scratch, 'fuzz');
  const rendererDir = path.join(root, 'renderer');
  fs.mkdirSync(rendererDir, { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Gradedesk</title>\n');
  const workspace = Workspace.open(path.join(root, 'data'));
  try {
    // Twelve graded images: enough for fuzzed training runs to start (each is cancelled at once), and for
    // one small real model, so that the calls about models, predictions, Grad-CAM and similar cases meet one.
    const { project } = await openDemoProject(workspace, { count: 12, seed: 1 });
    const training = workspace.startTraining(project, { inputSize: 96, epochs: 3, validation: { kind: 'holdout', fraction: 0.3 } });
    const trained = await timed(() => training.job.done.then(() => 'ready', (error: Error) => `not trained (${error.message})`));
    log(`model ${training.modelId}: ${trained.result} in ${trained.seconds.toFixed(1)} s`);
    const bridge = await startBridge({ workspace, rendererDir, version: 'fuzz' });
    const call = (method: string) =>
      fetch(`${bridge.origin}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bridge.token}` }, body: '{}' });
    try {
      const bare = await timed(async () => {
        for (let i = 0; i < 500; i++) await (await call('app.info')).text();
      });
      const reports: FuzzReport[] = [];
      for (const seed of SEEDS) {
        log(`seed ${seed}: ${PER_METHOD} payloads for each method`);
        reports.push(
          await fuzzApi({
            origin: bridge.origin,
            token: bridge.token!,
            seed,
            perMethod: PER_METHOD,
            requestTimeoutMs: 10_000,
            jobTimeoutMs: 60_000,
            jobsPerMethod: 3,
            maxStringLength: 500_000,
            maxArrayLength: 20_000,
            pathSandbox: path.join(root, 'paths'),
            onMethod: (method, done, total) => log(`seed ${seed}: ${method} (${done}/${total})`),
          }),
        );
      }
      const sum = (pick: (report: FuzzReport) => number) => reports.reduce((total, report) => total + pick(report), 0);
      const methods = Object.keys(reports[0]?.byMethod ?? {}).length;
      const tried = sum((r) => r.tried);
      const seconds = sum((r) => r.seconds);
      const alive = (await call('app.info')).status === 200;
      const polluted = 'polluted' in {} || 'isAdmin' in {};
      process.stdout.write(
        `api fuzz (${methods} methods, seeds ${SEEDS.join(',')}): ${tried} payloads tried, ${sum((r) => r.serverErrors)} 500s, ${sum((r) => r.hangs)} hangs, ` +
          `${sum((r) => r.jobsStarted)} jobs started and cancelled, server ${alive ? 'alive' : 'NOT answering'} afterwards, ` +
          `Object.prototype ${polluted ? 'POLLUTED' : 'untouched'}\n`,
      );
      printFigure({ name: 'api fuzz rate (mixed payloads, jobs cancelled and awaited)', value: tried / seconds, unit: 'requests/s', baseline: { name: 'app.info round trip', value: 500 / bare.seconds } });
      const slowest = reports.flatMap((r) => r.slowest).sort((a, b) => b.ms - a.ms).slice(0, 5);
      process.stdout.write(`api fuzz: slowest answers ${slowest.map((s) => `${s.method} ${Math.round(s.ms)} ms`).join(', ')}\n`);
      for (const failure of reports.flatMap((r) => r.failures).slice(0, 20)) {
        process.stdout.write(`  ${failure.method} ${failure.kind}${failure.status ? ` ${failure.status}` : ''}: ${failure.detail} | payload ${failure.payload}\n`);
      }
    } finally {
      await bridge.close();
    }
    const problems = workspace.store.integrityProblems();
    process.stdout.write(`api fuzz: check afterwards ${problems.length === 0 ? 'passed (database sound)' : `FOUND ${problems.length} problem(s): ${problems.join('; ')}`}\n`);
  } finally {
    await workspace.close();
  }
}
