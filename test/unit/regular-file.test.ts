import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sniffSignature } from '../../src/main/ingest/image-signature';
import { FileTooLargeError, NotRegularFileError, readRegularFile } from '../../src/main/ingest/regular-file';

describe('reading only regular files, with a bound', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-regular-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('refuses a FIFO at once, without waiting for a writer, and says what it is', async () => {
    const fifo = path.join(dir, 'fifo.csv');
    execFileSync('mkfifo', [fifo]);
    const error = await readRegularFile(fifo, 1024).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotRegularFileError);
    expect((error as Error).message).toBe('is not a regular file (it is a FIFO)');
  });

  it('follows a link to a FIFO and still refuses it', async () => {
    const fifo = path.join(dir, 'fifo-2');
    execFileSync('mkfifo', [fifo]);
    await fs.symlink(fifo, path.join(dir, 'link.csv'));
    await expect(readRegularFile(path.join(dir, 'link.csv'), 1024)).rejects.toThrow('is not a regular file (it is a FIFO)');
  });

  it.skipIf(!existsSync('/dev/zero'))('refuses a device, which would never end', async () => {
    await expect(readRegularFile('/dev/zero', 1024)).rejects.toThrow('is not a regular file (it is a character device)');
  });

  it('refuses a folder', async () => {
    await expect(readRegularFile(dir, 1024)).rejects.toThrow('is not a regular file (it is a folder)');
  });

  it.skipIf(!existsSync('/proc/self/status'))('reads a file under /proc, whose size stat gives as 0, to its end but no further than the limit', async () => {
    expect((await readRegularFile('/proc/self/status', 1 << 20)).toString()).toMatch(/^Name:/);
    await expect(readRegularFile('/proc/self/status', 16)).rejects.toBeInstanceOf(FileTooLargeError);
  });

  it('refuses a file over the limit by its size, before reading it', async () => {
    const big = path.join(dir, 'big');
    const handle = await fs.open(big, 'w');
    await handle.truncate(2 ** 30);
    await handle.close();
    await expect(readRegularFile(big, 2 ** 20)).rejects.toBeInstanceOf(FileTooLargeError);
  });

  it('reads a file larger than one chunk whole', async () => {
    const bytes = Buffer.alloc(3 * 2 ** 20 + 17, 7);
    await fs.writeFile(path.join(dir, 'three'), bytes);
    expect((await readRegularFile(path.join(dir, 'three'), 2 ** 30)).equals(bytes)).toBe(true);
  });
});

describe('image signatures', () => {
  const bytes = (...values: Array<number | string>) =>
    Buffer.concat(values.map((v) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from([v]))));
  it('knows the supported formats, DICOM and some unsupported ones by their first bytes', () => {
    expect(sniffSignature(bytes(0xff, 0xd8, 0xff, 0xe0))).toEqual({ kind: 'image', format: 'jpeg' });
    expect(sniffSignature(bytes(0x89, 'PNG\r\n', 0x1a, '\n'))).toEqual({ kind: 'image', format: 'png' });
    expect(sniffSignature(bytes('II*\0'))).toEqual({ kind: 'image', format: 'tiff' });
    expect(sniffSignature(bytes('MM\0*'))).toEqual({ kind: 'image', format: 'tiff' });
    expect(sniffSignature(Buffer.concat([bytes('BM'), Buffer.alloc(40)]))).toEqual({ kind: 'image', format: 'bmp' });
    expect(sniffSignature(bytes('RIFF', 0, 0, 0, 0, 'WEBPVP8 '))).toEqual({ kind: 'image', format: 'webp' });
    expect(sniffSignature(Buffer.concat([Buffer.alloc(128), bytes('DICM')]))).toEqual({ kind: 'dicom' });
    expect(sniffSignature(bytes('GIF89a'))).toEqual({ kind: 'unsupported', format: 'GIF' });
    expect(sniffSignature(bytes(0, 0, 0, 0x1c, 'ftypavif'))).toEqual({ kind: 'unsupported', format: 'AVIF' });
    expect(sniffSignature(Buffer.alloc(4096))).toEqual({ kind: 'unknown' });
    expect(sniffSignature(bytes('Patient asked for a copy'))).toEqual({ kind: 'unknown' });
  });
});
