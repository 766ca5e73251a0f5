import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSpecFor } from '../../src/shared/domain';
import { handleMediaRequest, parseMediaUrl } from '../../src/main/desktop/media-protocol';
import { Workspace } from '../../src/main/app/workspace';
import { writeJpeg } from '../fixtures/images';

describe('the gradedesk: media protocol', () => {
  let root: string;
  let workspace: Workspace;
  const ids = { first: 0, second: 0, gone: 0, broken: 0 };

  const get = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
    handleMediaRequest(workspace, new Request(url, { method, headers }));

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-media-'));
    const folder = path.join(root, 'photos');
    await writeJpeg(path.join(folder, '101_left.jpeg'), 1);
    await writeJpeg(path.join(folder, '101_right.jpeg'), 2);
    await writeJpeg(path.join(folder, '102_left.jpeg'), 3);
    await fs.writeFile(path.join(folder, '103_left.jpeg'), Buffer.from('not a photograph'));
    workspace = Workspace.open(path.join(root, 'data'));
    const project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
    await workspace.startImport({ project, folder }).done;
    const id = (name: string) => workspace.store.images.byPath(project.id, path.join(folder, name))!.id;
    Object.assign(ids, { first: id('101_left.jpeg'), second: id('101_right.jpeg'), gone: id('102_left.jpeg'), broken: id('103_left.jpeg') });
    // The original of one photograph disappears after import (a USB stick unplugged, a share moved).
    await fs.rm(path.join(folder, '102_left.jpeg'));
  });

  afterAll(async () => {
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('serves a thumbnail as a JPEG, revalidated by ETag', async () => {
    const response = await get(`gradedesk://media/thumbnail/${ids.first}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('cache-control')).toBe('private, no-cache');
    const sha256 = workspace.store.images.get(ids.first).sha256;
    expect(response.headers.get('etag')).toBe(`"thumbnail-${sha256}"`);
    const body = Buffer.from(await response.arrayBuffer());
    expect([...body.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(response.headers.get('content-length')).toBe(String(body.length));
  });

  it('serves the display copy and the preprocessed view, each with its own ETag', async () => {
    const display = await get(`gradedesk://media/display/${ids.second}`);
    const preprocessed = await get(`gradedesk://media/preprocessed/${ids.second}`);
    expect([display.status, preprocessed.status]).toEqual([200, 200]);
    expect(display.headers.get('content-type')).toBe('image/jpeg');
    expect(preprocessed.headers.get('content-type')).toBe('image/jpeg');
    expect(display.headers.get('etag')).not.toBe(preprocessed.headers.get('etag'));
  });

  it('answers 304 without a body when the ETag still matches', async () => {
    const { headers } = await get(`gradedesk://media/thumbnail/${ids.first}`);
    const etag = headers.get('etag')!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"stale", ${etag}`]) {
      const response = await get(`gradedesk://media/thumbnail/${ids.first}`, { 'If-None-Match': ifNoneMatch });
      expect(response.status, ifNoneMatch).toBe(304);
      expect(response.headers.get('etag')).toBe(etag);
      expect(await response.text()).toBe('');
    }
    const stale = await get(`gradedesk://media/thumbnail/${ids.first}`, { 'If-None-Match': '"thumbnail-0000"' });
    expect(stale.status).toBe(200);
    const otherImage = await get(`gradedesk://media/thumbnail/${ids.second}`, { 'If-None-Match': etag });
    expect(otherImage.status).toBe(200);
  });

  it('answers HEAD with the headers only', async () => {
    const response = await get(`gradedesk://media/thumbnail/${ids.first}`, {}, 'HEAD');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(await response.text()).toBe('');
  });

  it.each([
    ['a path escaping the media folder', 'gradedesk://media/thumbnail/../../etc/passwd'],
    ['an encoded path escape', 'gradedesk://media/thumbnail/%2e%2e/%2e%2e/etc/passwd'],
    ['an absolute path', 'gradedesk://media//etc/passwd'],
    ['an unknown kind', 'gradedesk://media/original/1'],
    ['a kind in capitals', 'gradedesk://media/THUMBNAIL/1'],
    ['a non-numeric id', 'gradedesk://media/thumbnail/abc'],
    ['a zero id', 'gradedesk://media/thumbnail/0'],
    ['a negative id', 'gradedesk://media/thumbnail/-1'],
    ['a fractional id', 'gradedesk://media/thumbnail/1.5'],
    ['an id with a leading zero', 'gradedesk://media/thumbnail/01'],
    ['an id beyond the safe integers', 'gradedesk://media/thumbnail/9999999999999999'],
    ['an extra path segment', 'gradedesk://media/thumbnail/1/x'],
    ['another host', 'gradedesk://files/thumbnail/1'],
    ['no kind', 'gradedesk://media/1'],
  ])('answers 404 for %s', async (_what, url) => {
    const response = await get(url);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('answers 404 for an unknown image id', async () => {
    expect((await get('gradedesk://media/thumbnail/987654')).status).toBe(404);
  });

  it('answers 404 for an image that failed to import', async () => {
    expect(workspace.store.images.get(ids.broken).status).toBe('error');
    for (const kind of ['thumbnail', 'display', 'preprocessed']) {
      expect((await get(`gradedesk://media/${kind}/${ids.broken}`)).status, kind).toBe(404);
    }
  });

  it('answers 404 when the original has disappeared and the view was never cached', async () => {
    expect((await get(`gradedesk://media/preprocessed/${ids.gone}`)).status).toBe(404);
  });

  it('refuses methods other than GET and HEAD', async () => {
    expect((await get(`gradedesk://media/thumbnail/${ids.first}`, {}, 'POST')).status).toBe(405);
  });

  it('parses only kind and id from the URL', () => {
    expect(parseMediaUrl('gradedesk://media/display/42')).toEqual({ kind: 'display', imageId: 42 });
    expect(parseMediaUrl('gradedesk://media/display/42?v=2')).toEqual({ kind: 'display', imageId: 42 });
    expect(parseMediaUrl('https://media/display/42')).toBeNull();
    expect(parseMediaUrl('not a url')).toBeNull();
  });
});
