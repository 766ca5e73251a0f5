// The .gdmodel container on its own: what it writes, what it reads back, and what it refuses.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBundle, writeBundle } from '../../src/main/ml/models/bundle/container';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-bundle-container-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const entries = [
  { path: 'model-1/gradedesk-model.json', data: Buffer.from('{"heads":["fold-0"]}') },
  { path: 'model-1/fold-0/weights.bin', data: Buffer.from([0, 1, 2, 3, 250, 251, 10, 13]) },
];

/** A bundle whose content after the checksum line is `content`, with a correct checksum. */
function handMade(name: string, content: string): string {
  const file = path.join(root, name);
  const sha = createHash('sha256').update(content).digest('hex');
  fs.writeFileSync(file, `GRADEDESK-BUNDLE 1\nsha256 ${sha}\n${content}`);
  return file;
}

describe('the model bundle container', () => {
  it('reads back the manifest and every file, byte for byte, under a checksum of its content', () => {
    const file = path.join(root, 'a.gdmodel');
    const written = writeBundle(file, { task: 'dr-grade' }, entries);
    const bytes = fs.readFileSync(file);
    expect(written.bytes).toBe(bytes.length);
    expect(bytes.subarray(0, 19).toString()).toBe('GRADEDESK-BUNDLE 1\n');
    const afterChecksum = bytes.subarray(bytes.indexOf(0x0a, 19) + 1);
    expect(createHash('sha256').update(afterChecksum).digest('hex')).toBe(written.sha256);
    const opened = readBundle(file);
    expect(opened).toMatchObject({ manifest: { task: 'dr-grade' }, sha256: written.sha256, paths: entries.map((e) => e.path) });
    for (const entry of entries) expect(opened.read(entry.path).equals(entry.data)).toBe(true);
    expect(fs.existsSync(`${file}.partial`)).toBe(false);
  });

  it('refuses every changed byte', () => {
    const file = path.join(root, 'b.gdmodel');
    writeBundle(file, { task: 'dr-grade' }, entries);
    const bytes = fs.readFileSync(file);
    const refusals = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      const changed = Buffer.from(bytes);
      changed[i] ^= 0x20;
      fs.writeFileSync(file, changed);
      try {
        readBundle(file);
        refusals.add(`byte ${i} accepted`);
      } catch (error) {
        refusals.add((error as Error).message.replace(/\d+/g, 'N'));
      }
    }
    expect([...refusals].filter((message) => message.includes('accepted'))).toEqual([]);
  });

  it('refuses what is not a bundle, a newer format, and a file named outside its folder', () => {
    const notBundle = path.join(root, 'photo.jpeg');
    fs.writeFileSync(notBundle, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x0a]));
    expect(() => readBundle(notBundle)).toThrow('"photo.jpeg" is not a Gradedesk model bundle.');
    expect(() => readBundle(path.join(root, 'absent.gdmodel'))).toThrow(`There is no file "${path.join(root, 'absent.gdmodel')}".`);
    expect(() => readBundle(root)).toThrow('is a folder, not a model bundle.');
    fs.writeFileSync(path.join(root, 'newer.gdmodel'), 'GRADEDESK-BUNDLE 12\nsha256 x\n');
    expect(() => readBundle(path.join(root, 'newer.gdmodel'))).toThrow('"newer.gdmodel" was made by a newer Gradedesk (bundle format 12; this version reads format 1). Update Gradedesk to import it.');
    const escaping = handMade('escaping.gdmodel', `${JSON.stringify({ manifest: {}, files: [{ path: 'model-1/../../evil.sh', bytes: 2 }] })}\nhi`);
    expect(() => readBundle(escaping)).toThrow('The bundle names a file "model-1/../../evil.sh" that is not a plain relative path.');
    expect(() => writeBundle(path.join(root, 'c.gdmodel'), {}, [{ path: '/etc/passwd', data: Buffer.alloc(1) }])).toThrow('not a plain relative path');
  });

  it('says a bundle cut short is incomplete', () => {
    const file = path.join(root, 'd.gdmodel');
    writeBundle(file, {}, entries);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 3));
    expect(() => readBundle(file)).toThrow(/^"d.gdmodel" is incomplete: it holds \d+ of the \d+ bytes it should/);
  });
});
