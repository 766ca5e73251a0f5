import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store';

// The real store on a real SQLite file: people are readers with a role, sessions are kept by digest.

let root: string;
let store: Store;
const NOW = '2026-12-04T10:00:00.000Z';
const LATER = '2026-12-04T22:00:00.000Z';
const AFTER = '2026-12-04T22:00:00.001Z';

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-store-people-'));
  store = Store.open(root);
});

afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const session = (digest: string, readerId: number, kind: 'session' | 'link' = 'session') =>
  store.people.startSession({ secretDigest: digest, readerId, kind, now: NOW, expiresAt: LATER });

describe('people and their sessions in the store', () => {
  it('gives a reader who graded without an account a role and password, keeping their id, and readers default to grader', () => {
    const reader = store.readers.ensure('Dr Okafor');
    expect(store.people.get(reader.id)).toMatchObject({ role: 'grader', hasPassword: false, disabledAt: null });
    const person = store.people.add('dr okafor', 'adjudicator', 'scrypt$ln=17,r=8,p=1$c2FsdA==$a2V5');
    expect(person).toMatchObject({ id: reader.id, name: 'Dr Okafor', role: 'adjudicator', hasPassword: true });
    expect(() => store.people.add('DR OKAFOR', 'admin', null)).toThrow(/already has a password/);
    expect(store.people.anyoneWithPassword()).toBe(true);
  });

  it('answers a live session until it expires, is ended, or its person is disabled', () => {
    const ana = store.people.add('Ana', 'grader', 'hash');
    const ben = store.people.add('Ben', 'grader', 'hash');
    session('a1', ana.id);
    session('a2', ana.id);
    session('b1', ben.id);
    expect(store.people.sessionPerson('a1', 'session', NOW)?.name).toBe('Ana');
    expect(store.people.sessionPerson('a1', 'link', NOW)).toBeNull();
    expect(store.people.sessionPerson('a1', 'session', AFTER)).toBeNull();

    expect(store.people.endSession('a1', 'session', NOW)?.name).toBe('Ana');
    expect(store.people.sessionPerson('a1', 'session', NOW)).toBeNull();
    expect(store.people.sessionPerson('a2', 'session', NOW)?.name).toBe('Ana');

    const disabled = store.people.disable(ana.id, NOW);
    expect(disabled.disabledAt).toBe(NOW);
    expect(store.people.sessionPerson('a2', 'session', NOW)).toBeNull();
    expect(store.people.sessionPerson('b1', 'session', NOW)?.name).toBe('Ben');
    expect(store.people.anyoneWithPassword()).toBe(true);
  });

  it('serves a link once', () => {
    const dev = store.people.add('Dev', 'adjudicator', null);
    session('link', dev.id, 'link');
    expect(store.people.endSession('link', 'link', NOW)?.name).toBe('Dev');
    expect(store.people.endSession('link', 'link', NOW)).toBeNull();
  });

  it('enables a disabled person added again, with the new role and password; their id (and grades) stay', () => {
    const ana = store.people.add('Ana', 'grader', 'old');
    store.people.disable(ana.id, NOW);
    expect(store.people.anyoneWithPassword()).toBe(false);
    const again = store.people.add('Ana', 'admin', 'new');
    expect(again).toMatchObject({ id: ana.id, role: 'admin', disabledAt: null, hasPassword: true });
    expect(store.people.named('ana')?.passwordHash).toBe('new');
  });

  it('ends every live session of a person at once, and drops expired ones as new ones start', () => {
    const ana = store.people.add('Ana', 'grader', 'hash');
    session('a1', ana.id);
    session('a2', ana.id);
    expect(store.people.endSessionsOf(ana.id, NOW)).toBe(2);
    expect(store.people.endSessionsOf(ana.id, NOW)).toBe(0);
    store.people.startSession({ secretDigest: 'a3', readerId: ana.id, kind: 'session', now: AFTER, expiresAt: '2026-12-05T10:00:00.000Z' });
    expect((store.db.prepare('SELECT secret_digest FROM sessions').all() as Array<{ secret_digest: string }>).map((row) => row.secret_digest)).toEqual(['a3']);
    expect(store.integrityProblems()).toEqual([]);
  });
  it('changes a role and keeps the password and sessions, but never leaves nobody who may sign in as admin', () => {
    const carla = store.people.add('Carla', 'admin', 'hash');
    const ana = store.people.add('Ana', 'grader', 'hash');
    session('a1', ana.id);
    expect(store.people.setRole(ana.id, 'adjudicator')).toMatchObject({ role: 'adjudicator', hasPassword: true, disabledAt: null });
    // The live session now answers with the new role: it holds from the next request.
    expect(store.people.sessionPerson('a1', 'session', NOW)?.role).toBe('adjudicator');

    expect(() => store.people.setRole(carla.id, 'grader')).toThrow('Carla is the only admin here; make someone else an admin first.');
    expect(store.people.get(carla.id).role).toBe('admin');
    store.people.setRole(ana.id, 'admin');
    expect(store.people.setRole(carla.id, 'grader').role).toBe('grader');
    // A disabled admin does not count: Ana, the one left who may sign in, stays an admin.
    store.people.setRole(carla.id, 'admin');
    store.people.disable(carla.id, NOW);
    expect(() => store.people.setRole(ana.id, 'grader')).toThrow(/Ana is the only admin here/);
    expect(store.people.setRole(carla.id, 'grader').role).toBe('grader');
  });

  it('never disables the last admin who may sign in', () => {
    const carla = store.people.add('Carla', 'admin', 'hash');
    session('c1', carla.id);
    expect(() => store.people.disable(carla.id, NOW)).toThrow('Carla is the only admin here; make someone else an admin first.');
    expect(store.people.sessionPerson('c1', 'session', NOW)?.name).toBe('Carla');
    store.people.add('Ana', 'admin', 'hash');
    expect(store.people.disable(carla.id, NOW).disabledAt).toBe(NOW);
  });

  it('keeps when each person last signed in, past their sessions, and counts the sessions still live', () => {
    const ana = store.people.add('Ana', 'grader', 'hash');
    const ben = store.people.add('Ben', 'grader', 'hash');
    session('a1', ana.id);
    session('a2', ana.id);
    session('link', ben.id, 'link');
    const activity = (now: string) => new Map(store.people.listWithActivity(now).map((p) => [p.name, [p.lastSignedInAt, p.liveSessions]]));
    // A link is not a sign-in until it is used (it then starts a session).
    expect(activity(NOW)).toEqual(new Map([['Ana', [NOW, 2]], ['Ben', [null, 0]]]));
    store.people.endSession('a1', 'session', NOW);
    expect(activity(NOW).get('Ana')).toEqual([NOW, 1]);
    // Expired sessions are dropped as new ones start; the last sign-in stays.
    store.people.startSession({ secretDigest: 'b1', readerId: ben.id, kind: 'session', now: AFTER, expiresAt: '2026-12-05T10:00:00.000Z' });
    expect(activity(AFTER)).toEqual(new Map([['Ana', [NOW, 0]], ['Ben', [AFTER, 1]]]));
  });
});
