import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../src/main/bridge/server';
import { runCli } from '../../src/main/cli/program';
import { Store } from '../../src/main/store';
import { Workspace } from '../../src/main/app/workspace';
import type { ApiError, ImageChange } from '../../src/shared/api';
import { taskSpecFor, type LabelEvent } from '../../src/shared/domain';
import { writeJpeg } from '../fixtures/images';

const DISK_FULL = 'The disk holding the data folder is full, so this change could not be saved; free some space and try again (everything saved before is kept).';
const READ_ONLY = 'The data folder is read-only, so Gradedesk cannot save anything in it; make it writable or choose another with --data (everything saved before is kept).';

async function importedWorkspace(root: string, count: number) {
  for (let i = 0; i < count; i++) await writeJpeg(path.join(root, 'images', `eye_${i}.jpg`), i + 1);
  const workspace = Workspace.open(path.join(root, 'data'));
  const project = workspace.store.projects.create('Retina', taskSpecFor('dr-grade'));
  await workspace.startImport({ project, folder: path.join(root, 'images') }).done;
  const imageIds = workspace.store.images.page(project.task, { projectId: project.id, offset: 0, limit: 100 }).rows.map((row) => row.id);
  return { workspace, project, imageIds, reader: workspace.store.readers.ensure('Dr Full') };
}

describe('a full disk or a read-only data folder, over HTTP', () => {
  let root: string;
  let workspace: Workspace;
  let bridge: Bridge;
  let imageIds: number[];
  let readerId: number;

  const grade = async (imageId: number, value: number) => {
    const response = await fetch(`${bridge.origin}/api/labels.record`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bridge.token}` },
      body: JSON.stringify({ imageId, value, readerId }),
    });
    return { status: response.status, body: (await response.json()) as { ok: boolean; value?: ImageChange<LabelEvent>; error?: ApiError } };
  };

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-full-'));
    const opened = await importedWorkspace(root, 4);
    ({ workspace, imageIds } = opened);
    readerId = opened.reader.id;
    await fs.mkdir(path.join(root, 'renderer'));
    bridge = await startBridge({ workspace, rendererDir: path.join(root, 'renderer'), version: 'test' });
  });
  afterAll(async () => {
    await bridge?.close();
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('answers a grade the disk has no room for with 507 and "the disk is full", and keeps every acknowledged grade', async () => {
    const acknowledged: number[] = [];
    for (let i = 0; i < 5; i++) acknowledged.push((await grade(imageIds[i % 4]!, i % 5)).body.value!.event.id);
    // A disk that really fills up needs a mount this test may not make; SQLite's page limit makes the
    // same SQLITE_FULL come out of the same write path, on the real file, when the next page is needed.
    const pages = workspace.store.db.pragma('page_count', { simple: true }) as number;
    workspace.store.db.pragma(`max_page_count = ${pages}`);
    let refused: Awaited<ReturnType<typeof grade>> | null = null;
    for (let i = 0; i < 2000 && !refused; i++) {
      const answer = await grade(imageIds[i % 4]!, i % 5);
      if (answer.status === 200) acknowledged.push(answer.body.value!.event.id);
      else refused = answer;
    }
    expect(refused).toEqual({ status: 507, body: { ok: false, error: { code: 'disk-full', message: DISK_FULL } } });

    const reopened = Store.open(path.join(root, 'data'));
    try {
      const kept = imageIds.flatMap((imageId) => reopened.labels.history(imageId).map((event) => event.id));
      expect(kept.sort((a, b) => a - b)).toEqual(acknowledged);
    } finally {
      reopened.close();
    }
    workspace.store.db.pragma('max_page_count = 4294967294');
  });

  it('answers a grade the data folder refuses with 503 and "the data folder is read-only"', async () => {
    // Root (which runs these tests here) may write any file, so the connection itself is made read-only:
    // SQLite then answers SQLITE_READONLY, as it does for a folder this user may not write.
    workspace.store.db.pragma('query_only = ON');
    try {
      expect(await grade(imageIds[0]!, 1)).toEqual({ status: 503, body: { ok: false, error: { code: 'read-only', message: READ_ONLY } } });
    } finally {
      workspace.store.db.pragma('query_only = OFF');
    }
    expect((await grade(imageIds[0]!, 1)).status).toBe(200);
  });
});

const bin = fileURLToPath(new URL('../../bin/gradedesk.cjs', import.meta.url));
const builtCli = fileURLToPath(new URL('../../out/main/cli.js', import.meta.url));

/** Runs the real CLI; as root it runs as `nobody`, for whom file permissions hold. */
function gradedeskAsUser(dataDir: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const asRoot = process.getuid?.() === 0;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, '--data', dataDir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: os.tmpdir() } } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!existsSync('/dev/full'))('a full disk, from the CLI', () => {
  it('says the disk is full (exit 1) when an export cannot be written', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-export-full-'));
    try {
      const { workspace } = await importedWorkspace(root, 1);
      await workspace.close();
      let stderr = '';
      // /dev/full answers every write with ENOSPC, as a disk without a free block does.
      const code = await runCli(['--data', path.join(root, 'data'), 'export', 'labels', '--project', 'Retina', '--out', '/dev/full'], {
        stdout: () => undefined,
        stderr: (text) => void (stderr += text),
        interactive: false,
      });
      expect({ code, stderr }).toEqual({ code: 1, stderr: 'gradedesk: The disk is full, so this could not be saved; free some space and try again (everything saved before is kept).\n' });
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!existsSync(builtCli) || process.platform === 'win32')('a read-only data folder, from the CLI', () => {
  let root: string;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-readonly-'));
  });
  afterAll(async () => {
    await fs.chmod(path.join(root, 'data'), 0o755).catch(() => undefined);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('says the folder is read-only (exit 1), and the grades saved before are all there', async () => {
    const { workspace, project, imageIds, reader } = await importedWorkspace(root, 2);
    const saved = [workspace.store.labels.record(project.task, { imageId: imageIds[0]!, value: 2, source: 'reader', readerId: reader.id })!.id];
    await workspace.close();
    await fs.chmod(root, 0o755);
    for (const file of await fs.readdir(path.join(root, 'data'))) await fs.chmod(path.join(root, 'data', file), 0o555).catch(() => undefined);
    await fs.chmod(path.join(root, 'data', 'gradedesk.sqlite'), 0o444);
    await fs.chmod(path.join(root, 'data'), 0o555);

    const refused = await gradedeskAsUser(path.join(root, 'data'), 'grade', 'eye_1.jpg', '3', '--project', 'Retina', '--reader', 'Dr Full');
    expect(refused).toMatchObject({ code: 1, stdout: '', stderr: `gradedesk: ${READ_ONLY}\n` });

    await fs.chmod(path.join(root, 'data'), 0o755);
    const store = Store.open(path.join(root, 'data'));
    try {
      expect(imageIds.flatMap((id) => store.labels.history(id).filter((e) => e.source === 'reader').map((e) => e.id))).toEqual(saved);
    } finally {
      store.close();
    }
  });
});
