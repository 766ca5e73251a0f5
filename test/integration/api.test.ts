import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, Events, JobSnapshot } from '../../src/shared/api';
import { dispatch } from '../../src/main/api/dispatch';
import { ApiEvents } from '../../src/main/api/events';
import { watchExternalChanges } from '../../src/main/api/external-changes';
import { createHandlers, forwardAppEvents, type Handlers } from '../../src/main/api/handlers';
import { Store } from '../../src/main/store';
import { taskSpecFor } from '../../src/shared/domain';
import { Workspace } from '../../src/main/app/workspace';
import { writeJpeg } from '../fixtures/images';

describe('the api table behind the renderer', () => {
  let root: string;
  let workspace: Workspace;
  let handlers: Handlers;
  const received: Array<{ event: EventName; payload: Events[EventName] }> = [];
  let projectId: number;
  let readerId: number;
  let imageIds: number[];

  const ok = async (method: string, payload: unknown) => {
    const result = await dispatch(handlers, method, payload);
    if (!result.ok) throw new Error(`${method} failed: ${result.error.message}`);
    return result.value as never;
  };

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-api-'));
    const folder = path.join(root, 'images');
    for (let i = 0; i < 6; i++) await writeJpeg(path.join(folder, `${20001 + Math.floor(i / 2)}_${i % 2 ? 'right' : 'left'}.jpeg`), i + 1);
    workspace = Workspace.open(path.join(root, 'data'));
    const events = new ApiEvents();
    events.onAny((event, payload) => received.push({ event, payload }));
    handlers = createHandlers(workspace, { mode: 'browser', version: '0.0.0-test' });
    forwardAppEvents(workspace, events);

    projectId = (await ok('projects.create', { name: 'Clinic', task: 'dr-grade' }) as { id: number }).id;
    readerId = (await ok('readers.ensure', { name: 'Dr Lee' }) as { id: number }).id;
    const job: JobSnapshot = await ok('imports.start', { projectId, folder });
    expect(job.state).toBe('running');
    await new Promise<void>((resolve) => {
      const stop = setInterval(() => {
        if (received.some((r) => r.event === 'job.finished')) {
          clearInterval(stop);
          resolve();
        }
      }, 20);
    });
    imageIds = ((await ok('images.page', { projectId, offset: 0, limit: 100 })) as { rows: Array<{ id: number }> }).rows.map((r) => r.id);
  });

  afterAll(async () => {
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('streams import progress and ends with the report', () => {
    const progress = received.filter((r) => r.event === 'job.progress');
    expect(progress.length).toBeGreaterThan(0);
    const finished = received.find((r) => r.event === 'job.finished')!.payload as JobSnapshot;
    expect(finished).toMatchObject({ kind: 'import', state: 'done', projectId, report: { imported: 6, errors: [] } });
    expect(finished.details.folder).toMatch(/images$/);
    expect(received.some((r) => r.event === 'data.changed')).toBe(true);
    expect(imageIds).toHaveLength(6);
  });

  it('refuses malformed payloads and unknown calls with a bad-request error naming the problem', async () => {
    expect(await dispatch(handlers, 'labels.record', { imageId: 'x', value: 2, readerId })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringMatching(/at "imageId"/) },
    });
    expect(await dispatch(handlers, 'labels.record', { imageId: imageIds[0], value: 2, readerId, extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(await dispatch(handlers, 'store.dropAll', {})).toMatchObject({ ok: false, error: { code: 'bad-request', message: 'Unknown call "store.dropAll".' } });
    expect(await dispatch(handlers, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await dispatch(handlers, 'projects.list', 'not an object')).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    // ArcFace settings out of range, and an accept without the threshold it was seen under.
    expect(await dispatch(handlers, 'embeddings.start', { projectId: 1, margin: 3 })).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/margin/) } });
    expect(await dispatch(handlers, 'embeddings.start', { projectId: 1, groupBy: 'eye' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await dispatch(handlers, 'similar.accept', { imageId: imageIds[0], readerId, label: 2 })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('keeps user errors as they are: an out-of-range grade, an unknown image', async () => {
    expect(await dispatch(handlers, 'labels.record', { imageId: imageIds[0], value: 7, readerId })).toMatchObject({
      ok: false,
      error: { code: 'invalid', message: '7 is not a valid grade: expected a whole number from 0 to 4.' },
    });
    expect(await dispatch(handlers, 'images.get', { imageId: 999_999 })).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: 'There is no image with id 999999.' },
    });
  });

  it('records a grade, announces the change, and undoes it with a new event', async () => {
    received.length = 0;
    const recorded = (await ok('labels.record', { imageId: imageIds[1], value: 3, readerId })) as {
      event: { id: number; value: number };
      image: { id: number; label: { value: number } };
      history: Array<{ id: number }>;
    };
    const event = recorded.event;
    expect(event.value).toBe(3);
    // The answer carries what Review shows after a grade, so that it needs no read.
    expect(recorded.image).toMatchObject({ id: imageIds[1], label: { value: 3 } });
    expect(recorded.history.at(-1)!.id).toBe(event.id);
    expect(received).toContainEqual({ event: 'data.changed', payload: { projectId, imageIds: [imageIds[1]], what: 'labels', eventIds: [event.id] } });
    const undo = (await ok('labels.undo', { eventId: event.id, readerId })) as { value: number | null; previousValue: number };
    expect(undo).toMatchObject({ value: null, previousValue: 3 });
    const history = (await ok('labels.history', { imageId: imageIds[1] })) as unknown[];
    expect(history).toHaveLength(2);
    expect(((await ok('images.get', { imageId: imageIds[1] })) as { label: unknown }).label).toBeNull();
  });

  it('grades a selection in one transaction, and refuses the whole bulk when one id is foreign', async () => {
    const events = (await ok('labels.recordMany', { imageIds: imageIds.slice(2, 5), value: 1, readerId })) as unknown[];
    expect(events).toHaveLength(3);
    const other = (await ok('projects.create', { name: 'Other', task: 'multiclass', classes: ['a', 'b'] })) as { id: number };
    expect(other.id).not.toBe(projectId);
    const page = (await ok('images.page', { projectId, filter: { label: 1 }, offset: 0, limit: 10 })) as { total: number };
    expect(page.total).toBe(3);
    expect(await dispatch(handlers, 'labels.recordMany', { imageIds: [imageIds[5], 424242], value: 2, readerId })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    expect(((await ok('images.get', { imageId: imageIds[5] })) as { label: unknown }).label).toBeNull();
  });

  it('grades an image named many times in a bulk grade once, and refuses a bulk grade over 10,000 images in one sentence', async () => {
    const before = ((await ok('labels.history', { imageId: imageIds[1] })) as unknown[]).length;
    const once = (await ok('labels.recordMany', { imageIds: Array(10_000).fill(imageIds[1]), value: 3, readerId })) as Array<{ imageId: number }>;
    expect(once.map((event) => event.imageId)).toEqual([imageIds[1]]);
    expect(((await ok('labels.history', { imageId: imageIds[1] })) as unknown[]).length).toBe(before + 1);

    const flood = await dispatch(handlers, 'labels.recordMany', { imageIds: Array(100_000).fill(imageIds[1]), value: 2, readerId });
    expect(flood).toEqual({
      ok: false,
      error: {
        code: 'bad-request',
        message: 'Malformed labels.recordMany request at "imageIds": A bulk grade covers at most 10,000 images at a time; select fewer and grade them in parts.',
      },
    });
    expect(((await ok('labels.history', { imageId: imageIds[1] })) as unknown[]).length).toBe(before + 1);
  });

  it('undoes a bulk grade in one call, and refuses the whole undo when one image was graded again since', async () => {
    const bulk = (await ok('labels.recordMany', { imageIds: [imageIds[0], imageIds[5]], value: 4, readerId })) as Array<{ id: number }>;
    const undone = (await ok('labels.undoMany', { eventIds: bulk.map((e) => e.id), readerId })) as Array<{ imageId: number; value: number | null }>;
    expect(undone.map((e) => [e.imageId, e.value]).sort()).toEqual([[imageIds[0], null], [imageIds[5], null]].sort());

    const again = (await ok('labels.recordMany', { imageIds: [imageIds[0], imageIds[5]], value: 2, readerId })) as Array<{ id: number }>;
    const other = (await ok('readers.ensure', { name: 'Dr Second' })) as { id: number };
    await ok('labels.record', { imageId: imageIds[5], value: 3, readerId: other.id });
    expect(await dispatch(handlers, 'labels.undoMany', { eventIds: again.map((e) => e.id), readerId })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    // Nothing was undone: image 0 keeps the bulk grade, image 5 the second reader's.
    expect(((await ok('images.get', { imageId: imageIds[0] })) as { label: { value: number } }).label.value).toBe(2);
    expect(((await ok('images.get', { imageId: imageIds[5] })) as { label: { value: number } }).label.value).toBe(3);
  });

  it('locates an image in a filtered, sorted view for Review navigation', async () => {
    const view = { projectId, filter: { label: 1 }, sort: 'name' as const };
    const { rows } = (await ok('images.page', { ...view, offset: 0, limit: 10 })) as { rows: Array<{ id: number }> };
    const middle = (await ok('images.locate', { view, imageId: rows[1]!.id })) as Record<string, number | null>;
    expect(middle).toEqual({ index: 1, total: 3, previousId: rows[0]!.id, nextId: rows[2]!.id });
    const outside = (await ok('images.locate', { view, imageId: imageIds[0] })) as Record<string, number | null>;
    expect(outside).toMatchObject({ index: -1, previousId: null, nextId: null });
  });

  it('sets flags and notes as audited events of a reader, and says pickers exist only in the desktop app', async () => {
    expect(await ok('images.setUngradable', { imageId: imageIds[0], ungradable: true, readerId })).toMatchObject({
      image: { ungradable: true },
      event: { kind: 'ungradable', value: true, previousValue: false, readerName: expect.any(String) },
    });
    const noted = (await ok('images.setNote', { imageId: imageIds[0], note: 'media opacity', readerId })) as { image: { note: string }; event: { id: number } };
    expect(noted.image.note).toBe('media opacity');
    expect(await ok('labels.undo', { eventId: noted.event.id, readerId })).toMatchObject({ kind: 'note', value: null, undoOf: noted.event.id });
    const kinds = ((await ok('labels.history', { imageId: imageIds[0] })) as Array<{ kind: string }>).map((event) => event.kind);
    expect(kinds.slice(-3)).toEqual(['ungradable', 'note', 'note']);
    expect(await dispatch(handlers, 'images.setUngradable', { imageId: imageIds[0], ungradable: false })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await ok('app.info', {})).toMatchObject({ mode: 'browser', canPickFiles: false });
    expect(await dispatch(handlers, 'dialogs.pickFolder', {})).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });
});

describe('writes by another process', () => {
  it('are announced as data.changed, so open views refetch', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-external-'));
    const workspace = Workspace.open(root);
    const events = new ApiEvents();
    const seen: EventName[] = [];
    events.onAny((event) => seen.push(event));
    const stop = watchExternalChanges(workspace, events, 20);
    try {
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(seen).toEqual([]);
      // The CLI, say, in another process: another connection to the same file.
      const other = Store.open(root);
      other.projects.create('From the CLI', taskSpecFor('dr-grade'));
      other.close();
      await expect.poll(() => seen, { timeout: 2000 }).toContain('data.changed');
      // This connection's own writes are announced by the handlers, not by the watcher.
      seen.length = 0;
      workspace.store.projects.create('From this window', taskSpecFor('dr-grade'));
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(seen).toEqual([]);
    } finally {
      stop();
      await workspace.close();
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
