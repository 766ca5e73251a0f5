// Import meets a folder as an unlucky user or a hostile one leaves it: links in and out of it, loops,
// FIFOs and folders named like images, huge files that are not images, unreadable folders, and a cache
// that cannot be written. Everything is made here, under a temporary folder.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSpecFor } from '../../src/shared/domain';
import type { ImportReport } from '../../src/shared/import-report';
import { runCli } from '../../src/main/cli/program';
import { cachedImagePath } from '../../src/main/imaging/cache';
import { Workspace } from '../../src/main/app/workspace';
import { writeJpeg } from '../fixtures/images';

const GiB = 2 ** 30;

let root: string;
let workspace: Workspace;
let counter = 0;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-hostile-'));
  workspace = Workspace.open(path.join(root, 'data'));
});

afterAll(async () => {
  await workspace?.close();
  await fs.rm(root, { recursive: true, force: true });
});

const importInto = (folder: string, into = workspace): Promise<ImportReport> => {
  const project = into.store.projects.create(`Project ${++counter}`, taskSpecFor('dr-grade'));
  return into.startImport({ project, folder }).done;
};
const skippedOf = (report: ImportReport) => Object.fromEntries(report.skipped.map((entry) => [path.basename(entry.path), entry.reason]));

describe('links, FIFOs and folders named like images', () => {
  let folder: string;
  let report: ImportReport;

  beforeAll(async () => {
    folder = path.join(root, 'links', 'chosen');
    const outside = path.join(root, 'links', 'outside');
    await writeJpeg(path.join(folder, 'a.jpg'), 1);
    await writeJpeg(path.join(folder, 'sub', 'b.jpg'), 2);
    await writeJpeg(path.join(folder, 'scans.jpg', 'd.jpg'), 3);
    await writeJpeg(path.join(outside, 'c.jpg'), 4);
    const link = (target: string, name: string) => fs.symlink(target, path.join(folder, name));
    await link('a.jpg', 'link-a.jpg'); // relative, inside: followed
    await link(path.join(folder, 'sub', 'b.jpg'), 'abs-link.jpg'); // absolute, inside: followed
    await link('../outside/c.jpg', 'escape.jpg'); // `..` out of the folder: refused
    await link(path.join(outside, 'c.jpg'), 'abs-escape.jpg'); // absolute, out of the folder: refused
    await link('sub/../../outside/c.jpg', 'sneaky.jpg'); // through a folder inside, then out: refused
    await link('loop-2.jpg', 'loop-1.jpg');
    await link('loop-1.jpg', 'loop-2.jpg');
    await link('missing.jpg', 'dangling.jpg');
    await link('..', 'up'); // a folder outside
    await link('.', 'self'); // the folder itself: would loop if followed
    execFileSync('mkfifo', [path.join(folder, 'pipe.jpg')]);
    await link('pipe.jpg', 'pipe-link.jpg');
    report = await importInto(folder);
  });

  it('follows links to regular files inside the folder and imports them', () => {
    expect(report.filesFound).toBe(5);
    expect(report.imported).toBe(5);
    expect(report.errors).toEqual([]);
    const paths = workspace.store.images.knownFiles(counter);
    expect([...paths.keys()].map((p) => path.relative(folder, p)).sort()).toEqual(
      ['a.jpg', 'abs-link.jpg', 'link-a.jpg', 'scans.jpg/d.jpg', 'sub/b.jpg'].map((p) => p.split('/').join(path.sep)),
    );
    // A link and its target are the same picture: one is flagged as the other's exact copy.
    expect(report.duplicates.exact).toBe(2);
  });

  it('lists everything it passed over, and why, instead of skipping it silently', () => {
    expect(skippedOf(report)).toEqual({
      'escape.jpg': 'link-outside-folder',
      'abs-escape.jpg': 'link-outside-folder',
      'sneaky.jpg': 'link-outside-folder',
      'loop-1.jpg': 'link-loop',
      'loop-2.jpg': 'link-loop',
      'dangling.jpg': 'broken-link',
      up: 'link-outside-folder',
      self: 'link-to-folder',
      'pipe.jpg': 'not-a-regular-file',
      'pipe-link.jpg': 'not-a-regular-file',
      'scans.jpg': 'folder-named-like-image',
    });
    const message = (name: string) => report.skipped.find((entry) => path.basename(entry.path) === name)!.message;
    expect(message('pipe.jpg')).toMatch(/is not a regular file \(it is a FIFO\)/);
    expect(message('escape.jpg')).toContain(`leads to "${path.join(root, 'links', 'outside', 'c.jpg')}", outside the chosen folder`);
    expect(message('loop-1.jpg')).toMatch(/loop/);
  });

  it('says so on the command line too, in text and in --json', async () => {
    let stdout = '';
    const io = { stdout: (text: string) => void (stdout += text), stderr: () => undefined, interactive: false };
    const dataDir = path.join(root, 'cli-data');
    expect(await runCli(['--data', dataDir, 'project', 'create', 'Links'], io)).toBe(0);
    stdout = '';
    expect(await runCli(['--data', dataDir, 'import', folder, '--project', 'Links'], io)).toBe(0);
    expect(stdout).toMatch(/Imported 5 of 5 files/);
    expect(stdout).toMatch(/11 entries of the folder skipped:/);
    expect(stdout).toContain(`${path.join(folder, 'pipe.jpg')}: [not-a-regular-file] This is not a regular file (it is a FIFO)`);
    stdout = '';
    expect(await runCli(['--data', dataDir, 'import', folder, '--project', 'Links', '--json'], io)).toBe(0);
    const json = JSON.parse(stdout) as ImportReport;
    expect(json.unchanged).toBe(5);
    expect(skippedOf(json)).toEqual(skippedOf(report));
  });

  it('the CLI refuses a FIFO given as the label file at once, in one sentence, instead of hanging', async () => {
    let stderr = '';
    const io = { stdout: () => undefined, stderr: (text: string) => void (stderr += text), interactive: false };
    const dataDir = path.join(root, 'cli-fifo-data');
    expect(await runCli(['--data', dataDir, 'project', 'create', 'Fifo'], io)).toBe(0);
    const fifo = path.join(root, 'links', 'labels.csv');
    execFileSync('mkfifo', [fifo]);
    expect(await runCli(['--data', dataDir, 'import', folder, '--project', 'Fifo', '--labels', fifo], io)).toBe(1);
    expect(stderr).toBe(`gradedesk: The label file "${fifo}" is not a regular file (it is a FIFO).\n`);
  });

  it('tells why a folder holding only links out of it imports nothing', async () => {
    const onlyLinks = path.join(root, 'links', 'only-links');
    await fs.mkdir(onlyLinks);
    await fs.symlink(path.join(root, 'links', 'outside', 'c.jpg'), path.join(onlyLinks, 'c.jpg'));
    const only = await importInto(onlyLinks);
    expect(only.filesFound).toBe(0);
    expect(skippedOf(only)).toEqual({ 'c.jpg': 'link-outside-folder' });
  });
});

describe('folders that cannot be read', () => {
  const NAME = 'd'.repeat(200);
  let folder: string;
  let chain: string;
  let movedChain: string;

  beforeAll(async () => {
    folder = path.join(root, 'deep');
    await writeJpeg(path.join(folder, 'top.jpg'), 10);
    // Running as root, a folder chmod 000 is still readable (root bypasses file permissions), so the
    // sure way to a folder that cannot be read is a path longer than the system allows (PATH_MAX,
    // 4096 bytes on Linux): build a deep chain of folders outside, where its paths are short enough,
    // then move it under a deep folder inside. Reading it then fails with ENAMETOOLONG.
    chain = path.join(root, 'chain');
    const chainEnd = path.join(chain, ...Array<string>(14).fill(NAME));
    await writeJpeg(path.join(chain, NAME, 'shallow.jpg'), 11);
    await writeJpeg(path.join(chainEnd, 'unreachable.jpg'), 12);
    const parent = path.join(folder, ...Array<string>(8).fill(NAME));
    await fs.mkdir(parent, { recursive: true });
    movedChain = path.join(parent, 'chain');
    await fs.rename(chain, movedChain);
    // And where the tests do not run as root, a folder without permissions too.
    await writeJpeg(path.join(folder, 'locked', 'hidden-by-permissions.jpg'), 13);
    await fs.chmod(path.join(folder, 'locked'), 0o000);
  });

  afterAll(async () => {
    await fs.chmod(path.join(folder, 'locked'), 0o755).catch(() => undefined);
    // fs.rm cannot reach the deep end either: move the chain back out first.
    await fs.rename(movedChain, chain).catch(() => undefined);
  });

  it('records each unreadable folder in the report and imports the rest', async () => {
    const report = await importInto(folder);
    const unreadable = report.skipped.filter((entry) => entry.reason === 'unreadable-folder');
    expect(unreadable.length).toBeGreaterThan(0);
    expect(unreadable.find((entry) => entry.message.includes('ENAMETOOLONG'))?.message).toBe(
      'The folder could not be read (ENAMETOOLONG); the images in it, if any, were not imported.',
    );
    const imported = [...workspace.store.images.knownFiles(counter).keys()].map((p) => path.basename(p));
    expect(imported).toContain('top.jpg');
    expect(imported).toContain('shallow.jpg');
    expect(imported).not.toContain('unreachable.jpg');
    if (process.getuid?.() !== 0) {
      expect(report.skipped).toContainEqual(expect.objectContaining({ path: path.join(folder, 'locked'), reason: 'unreadable-folder' }));
      expect(imported).not.toContain('hidden-by-permissions.jpg');
    }
    expect(report.imported).toBe(imported.length);
  });

  it.skipIf(!existsSync('/proc/self'))('imports /proc as a folder of nothing, with a report, instead of failing', async () => {
    const report = await importInto('/proc/self');
    expect(report.filesFound).toBe(0);
    expect(report.cancelled).toBe(false);
    // Whatever in there cannot be read (here, as root, fdinfo and map_files of other processes) is listed, not fatal.
    for (const entry of report.skipped) expect(entry.message.length).toBeGreaterThan(0);
  });
});

describe('large files that are not images', () => {
  let folder: string;
  let report: ImportReport;

  beforeAll(async () => {
    folder = path.join(root, 'large');
    await writeJpeg(path.join(folder, 'good.jpg'), 20);
    // Sparse: they take no disk space, but reading one whole would take a gibibyte of memory.
    for (let i = 0; i < 4; i++) {
      const handle = await fs.open(path.join(folder, `zeros-${i}.jpg`), 'w');
      await handle.truncate(GiB);
      await handle.close();
    }
    // A JPEG's first bytes, then nothing: it passes the header check, and its size alone refuses it.
    const handle = await fs.open(path.join(folder, 'huge-header.jpg'), 'w');
    await handle.write(Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    await handle.truncate(GiB);
    await handle.close();
    report = await importInto(folder);
  });

  it('refuses a huge non-image by its header, without reading or hashing it', () => {
    expect(report.imported).toBe(1);
    const zeros = report.errors.filter((error) => path.basename(error.path).startsWith('zeros-'));
    expect(zeros).toHaveLength(4);
    for (const error of zeros) {
      expect(error.kind).toBe('not-an-image');
      expect(error.message).toMatch(/its header \(its first bytes\) is not that of a JPEG, PNG, TIFF, BMP or WebP file/);
      const row = workspace.store.images.byPath(counter, error.path)!;
      expect(row).toMatchObject({ bytes: GiB, status: 'error', sha256: '' });
    }
  });

  it('refuses an image file over the size limit before reading it', () => {
    const huge = report.errors.find((error) => path.basename(error.path) === 'huge-header.jpg');
    expect(huge).toEqual({
      path: path.join(folder, 'huge-header.jpg'),
      kind: 'file-too-large',
      message: 'The file is 1 GiB, over the limit of 512 MiB for one image; it was refused without being read, to protect the machine\'s memory.',
    });
  });
});

describe('a cache that cannot be written', () => {
  it('keeps good images good, says the cache failed and why, and writes the thumbnails on the next import', async () => {
    const folder = path.join(root, 'cache-fault');
    for (let i = 0; i < 3; i++) await writeJpeg(path.join(folder, `image-${i}.jpg`), 30 + i, 640, 480);
    const own = Workspace.open(path.join(root, 'cache-fault-data'));
    try {
      // A regular file where the cache folder should be: no folder can be made under it, root or not.
      await fs.writeFile(own.cacheDir, 'not a folder');
      const project = own.store.projects.create('Cache fault', taskSpecFor('dr-grade'));
      const first = await own.startImport({ project, folder }).done;
      expect(first.imported).toBe(3);
      expect(first.errorsByKind).toEqual({ 'cache-write-failed': 3 });
      for (const error of first.errors) expect(error.message).toMatch(/thumbnail could not be written to the cache \((ENOTDIR|EEXIST)/);
      expect(own.store.stats(project)).toMatchObject({ images: 3, imported: 3, errors: {} });

      await fs.rm(own.cacheDir);
      const second = await own.startImport({ project, folder }).done;
      expect(second).toMatchObject({ imported: 0, unchanged: 3, errors: [] });
      for (const file of (await fs.readdir(folder)).map((name) => path.join(folder, name))) {
        const image = own.store.images.byPath(project.id, file)!;
        expect(image.status).toBe('ok');
        expect(existsSync(cachedImagePath(own.cacheDir, 'thumbnails', image.sha256))).toBe(true);
      }
    } finally {
      await own.close();
    }
  });
});
