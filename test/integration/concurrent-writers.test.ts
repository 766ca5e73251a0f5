import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelEvent } from '../../src/shared/domain';
import { writeJpeg } from '../fixtures/images';
import { cliIsBuilt, GRADEDESK_BIN, gradedesk, type Exit } from '../support/gradedesk-process';



/**
 * Two processes writing the same data directory: the browser-mode server grading back to back while
 * the CLI grades and imports. Deferred transactions failed here with SQLITE_BUSY_SNAPSHOT (CLI exit 70,
 * HTTP 500), which the busy timeout cannot wait out.
 */
describe.skipIf(!cliIsBuilt())('two processes writing one data directory', () => {
  let root: string;
  let dataDir: string;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-writers-'));
    dataDir = path.join(root, 'data');
    for (let i = 0; i < 8; i++) await writeJpeg(path.join(root, 'first', `eye_${i}.jpg`), i);
    for (let i = 0; i < 12; i++) await writeJpeg(path.join(root, 'second', `more_${i}.jpg`), 100 + i);
    expect((await gradedesk(dataDir, 'project', 'create', 'Retina')).code).toBe(0);
    expect((await gradedesk(dataDir, 'import', path.join(root, 'first'), '--project', 'Retina')).code).toBe(0);
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('every CLI grade and import succeeds while the server grades, and every acknowledged grade is kept once', async () => {
    const server = spawn(process.execPath, [GRADEDESK_BIN, '--data', dataDir, 'serve', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (chunk) => {
          out += chunk;
          try {
            resolve(JSON.parse(out));
          } catch {
            // Not the whole JSON yet.
          }
        });
        server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const call = async (method: string, body: unknown) => {
        const response = await fetch(new URL(`/api/${method}`, url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as { ok: boolean; value: unknown; error?: { message: string } } };
      };
      const [project] = (await call('projects.list', {})).body.value as Array<{ id: number }>;
      const reader = (await call('readers.ensure', { name: 'Dr Server' })).body.value as { id: number };
      const page = (await call('images.page', { projectId: project!.id, offset: 0, limit: 100 })).body.value as { rows: Array<{ id: number }> };
      const imageIds = page.rows.map((row) => row.id);
      expect(imageIds).toHaveLength(8);

      const acknowledged: number[] = [];
      const serverFailures: string[] = [];
      let grading = true;
      const serverGrades = (async () => {
        for (let i = 0; grading; i++) {
          const { status, body } = await call('labels.record', { imageId: imageIds[i % imageIds.length], value: i % 5, readerId: reader.id });
          if (status === 200) acknowledged.push((body.value as { event: LabelEvent }).event.id);
          else serverFailures.push(`${status} ${body.error?.message}`);
        }
      })();

      const cliRuns: Array<{ args: string; exit: Exit }> = [];
      // 20 CLI grades, two terminals at a time.
      const terminal = async (lane: number) => {
        for (let i = lane; i < 20; i += 2) {
          const args = ['grade', `eye_${i % 8}.jpg`, String((i + 2) % 5), '--project', 'Retina', '--reader', 'Dr Terminal', '--json'];
          cliRuns.push({ args: args.join(' '), exit: await gradedesk(dataDir, ...args) });
        }
      };
      const cliGrades = Promise.all([terminal(0), terminal(1)]);
      const importArgs = ['import', path.join(root, 'second'), '--project', 'Retina', '--json'];
      const importRun = gradedesk(dataDir, ...importArgs).then((exit) => cliRuns.push({ args: importArgs.join(' '), exit }));
      await Promise.all([cliGrades, importRun]);
      grading = false;
      await serverGrades;

      const failed = cliRuns.filter((run) => run.exit.code !== 0).map((run) => `${run.args} → ${run.exit.code}: ${run.exit.stderr}`);
      expect(failed).toEqual([]);
      expect(serverFailures).toEqual([]);
      expect(acknowledged.length).toBeGreaterThan(0);
      const cliEvents = cliRuns.filter((run) => run.args.startsWith('grade')).map((run) => (JSON.parse(run.exit.stdout) as LabelEvent).id);
      const imported = JSON.parse(cliRuns.find((run) => run.args.startsWith('import'))!.exit.stdout) as { imported: number };
      expect(imported.imported).toBe(12);

      const history: LabelEvent[] = [];
      for (const imageId of imageIds) history.push(...((await call('labels.history', { imageId })).body.value as LabelEvent[]));
      const ids = history.map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort((a, b) => a - b)).toEqual([...acknowledged, ...cliEvents].sort((a, b) => a - b));
    } finally {
      if (server.exitCode === null) server.kill('SIGTERM');
    }
  }, 300_000);
});
