import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { createHandlers, type Handlers } from '../../src/main/api/handlers';
import { Workspace } from '../../src/main/app/workspace';
import { runCli } from '../../src/main/cli/program';
import type { Person } from '../../src/shared/people';

/** Changing a person's role: the same operation through the api (admin only on a team server) and `gradedesk user set-role`. */
describe('a person’s role, changed by an admin', () => {
  let root: string;
  let dataDir: string;
  let workspace: Workspace;
  let handlers: Handlers;

  const cli = async (...args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--data', dataDir, ...args], { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), interactive: false });
    return { code, stdout, stderr };
  };
  const personNamed = (name: string): Person => workspace.store.people.named(name)!.person;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-people-roles-'));
    dataDir = path.join(root, 'data');
    expect((await cli('user', 'add', 'Carla', '--role', 'admin')).code).toBe(0);
    expect((await cli('user', 'add', 'Ana', '--role', 'grader')).code).toBe(0);
    workspace = Workspace.open(dataDir);
    handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
  });

  afterAll(async () => {
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('lets an admin change a role over the api, and refuses a grader asking for it', async () => {
    const asGrader = await dispatch(handlers, 'people.setRole', { name: 'Ana', role: 'admin' }, personNamed('Ana'));
    expect(asGrader).toEqual({ ok: false, error: { code: 'forbidden', message: 'Only an admin may do this (people.setRole); you are signed in as Ana, grader.' } });
    expect(personNamed('Ana').role).toBe('grader');

    const asAdmin = await dispatch(handlers, 'people.setRole', { name: 'ana', role: 'adjudicator' }, personNamed('Carla'));
    expect(asAdmin).toMatchObject({ ok: true, value: { name: 'Ana', role: 'adjudicator' } });
    expect(personNamed('Ana').role).toBe('adjudicator');

    const nobody = await dispatch(handlers, 'people.setRole', { name: 'Zed', role: 'grader' }, personNamed('Carla'));
    expect(nobody).toMatchObject({ ok: false, error: { message: 'There is no person named "Zed".' } });
    const noSuchRole = await dispatch(handlers, 'people.setRole', { name: 'Ana', role: 'boss' }, personNamed('Carla'));
    expect(noSuchRole).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('refuses to leave the data directory without an admin, in words, through the api and the CLI alike', async () => {
    const demoted = await dispatch(handlers, 'people.setRole', { name: 'Carla', role: 'grader' }, personNamed('Carla'));
    expect(demoted).toEqual({ ok: false, error: { code: 'conflict', message: 'Carla is the only admin here; make someone else an admin first.' } });
    const run = await cli('user', 'set-role', 'Carla', '--role', 'grader');
    expect(run).toMatchObject({ code: 1, stderr: 'gradedesk: Carla is the only admin here; make someone else an admin first.\n' });
    expect(personNamed('Carla').role).toBe('admin');
  });

  it('changes a role with `gradedesk user set-role`, and `user list` shows it', async () => {
    const run = await cli('user', 'set-role', 'Ana', '--role', 'admin');
    expect(run).toMatchObject({ code: 0, stdout: 'Ana is now admin, signs in by link.\n' });
    expect(JSON.parse((await cli('--json', 'user', 'set-role', 'Carla', '--role', 'grader')).stdout)).toMatchObject({ name: 'Carla', role: 'grader' });
    const listed = JSON.parse((await cli('--json', 'user', 'list')).stdout) as Person[];
    expect(listed.map((p) => [p.name, p.role])).toEqual([['Ana', 'admin'], ['Carla', 'grader']]);
    expect((await cli('user', 'set-role', 'Ana', '--role', 'boss')).code).toBe(2);
  });
});
