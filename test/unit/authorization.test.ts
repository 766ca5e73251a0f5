import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { api, type Method } from '../../src/shared/api';
import { GradedeskError } from '../../src/shared/errors';
import type { Person, Role } from '../../src/shared/people';
import { ADMIN_ONLY, authorize } from '../../src/main/api/authorization';

const person = (id: number, name: string, role: Role): Person => ({ id, name, role, createdAt: '2026-12-04T10:00:00.000Z', hasPassword: true, disabledAt: null });
const ana = person(1, 'Ana', 'grader');
const dev = person(2, 'Dev', 'adjudicator');
const carla = person(3, 'Carla', 'admin');

const refusal = (method: Method, request: unknown, who: Person) => {
  try {
    authorize(method, request, who);
    return null;
  } catch (error) {
    return error instanceof GradedeskError ? error.code : String(error);
  }
};

/** The request keys through which a call names a file or folder of the server. */
const PATH_KEYS = ['dir', 'folder', 'labelsFile', 'file', 'location', 'path'];
const requestKeys = (method: Method): string[] => {
  const schema = z.toJSONSchema(api[method].request, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
  return Object.keys(schema.properties ?? {});
};

describe('what a signed-in person may call on a team server', () => {
  it('makes admin-only every method that names a file or folder of the server, so that a new one cannot slip past', () => {
    const touchingFiles = (Object.keys(api) as Method[]).filter((method) => requestKeys(method).some((key) => PATH_KEYS.includes(key)));
    expect(touchingFiles.length).toBeGreaterThan(3);
    expect(touchingFiles.filter((method) => !ADMIN_ONLY.has(method))).toEqual([]);
    expect([...ADMIN_ONLY].filter((method) => method.startsWith('people.')).sort()).toEqual(
      (Object.keys(api) as Method[]).filter((method) => method.startsWith('people.')).sort(),
    );
  });

  it('refuses admin-only calls to graders and adjudicators, and allows them to admins', () => {
    for (const method of ADMIN_ONLY) {
      expect(refusal(method, {}, ana), method).toBe('forbidden');
      expect(refusal(method, {}, dev), method).toBe('forbidden');
      expect(refusal(method, {}, carla), method).toBeNull();
    }
  });

  it('keeps for admins what changes the project for everyone, and leaves grading and reading to every person', () => {
    for (const method of ['projects.create', 'training.start', 'models.activate', 'models.setReferralThreshold', 'models.delete', 'jobs.cancel'] as const) {
      expect(ADMIN_ONLY.has(method), method).toBe(true);
    }
    for (const method of ['labels.record', 'labels.undo', 'images.setNote', 'gradcam.render', 'triage.queue', 'similar.forImage', 'agreement.summary'] as const) {
      expect(ADMIN_ONLY.has(method), method).toBe(false);
    }
  });

  it('refuses any request naming another reader, admins included, and allows one naming oneself', () => {
    expect(refusal('labels.record', { imageId: 5, value: 2, readerId: ana.id }, ana)).toBeNull();
    expect(refusal('labels.record', { imageId: 5, value: 2, readerId: carla.id }, ana)).toBe('forbidden');
    expect(refusal('labels.undo', { eventId: 9, readerId: ana.id }, carla)).toBe('forbidden');
    expect(refusal('similar.accept', { imageId: 5, readerId: dev.id, label: 1, minConfidence: 0.5 }, ana)).toBe('forbidden');
    expect(refusal('readers.ensure', { name: 'ana' }, ana)).toBeNull();
    expect(refusal('readers.ensure', { name: 'Ben' }, carla)).toBe('forbidden');
    expect(refusal('projects.list', {}, ana)).toBeNull();
  });

  it('says who is signed in, in words', () => {
    expect(() => authorize('people.add', { name: 'X', role: 'admin' }, ana)).toThrow('Only an admin may do this (people.add); you are signed in as Ana, grader.');
  });
});
