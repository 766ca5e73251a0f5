import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDemoDataset } from '../demo/dataset';
import { printFigure } from './measure';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** Runs the built CLI in a child process and answers its peak resident memory (the whole process, workers included). */
async function peakRssOfCli(args: string[]): Promise<number> {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const script =
    `process.on('exit', () => process.stderr.write('\\npeak-rss-kib ' + process.resourceUsage().maxRSS + '\\n'));` +
    `process.argv = [process.argv[0], ${JSON.stringify(cli)}, ...${JSON.stringify(args)}];` +
    `await import(${JSON.stringify(new URL('./cli.js', import.meta.url).href)});`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const peak = /peak-rss-kib (\d+)/.exec(stderr);
  if (code !== 0 || !peak) throw new Error(`gradedesk ${args.join(' ')} failed (${code}): ${stderr}`);
  return Number(peak[1]) * 1024;
}

/** A sparse file: `size` bytes that take no disk space, starting with `head`. */
async function sparseFile(file: string, size: number, head = Buffer.alloc(0)): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.write(head);
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
}

/**
 * Peak memory of `gradedesk import` on folders holding large files, against the same import without
 * them (the bare baseline, measured in the same run):
 * - four sparse 1 GiB non-images named .jpg, refused by their header and never read (before the header
 *   check, these four took the CLI to a 4.1 GiB peak);
 * - three sparse 300 MiB files that start like a JPEG, read whole and refused as damaged; the byte budget
 *   lets only one in at a time, where the workers would otherwise take all three at once.
 */
export async function benchImportMemory(scratch: string): Promise<void> {
  const demo = path.join(scratch, 'memory-demo');
  await writeDemoDataset(demo, { count: 40, seed: 11, minSize: 1024, maxSize: 2048 });
  const images = path.join(demo, 'images');
  const folderWith = async (name: string, add: (folder: string) => Promise<void>) => {
    const folder = path.join(scratch, name);
    await fs.mkdir(folder);
    for (const file of await fs.readdir(images)) await fs.link(path.join(images, file), path.join(folder, file));
    await add(folder);
    return folder;
  };
  const nonImages = await folderWith('memory-non-images', async (folder) => {
    for (let i = 0; i < 4; i++) await sparseFile(path.join(folder, `not-an-image-${i}.jpg`), GiB);
  });
  const largeFiles = await folderWith('memory-large-files', async (folder) => {
    for (let i = 0; i < 3; i++) await sparseFile(path.join(folder, `large-damaged-${i}.jpg`), 300 * MiB, Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
  });

  const dataDir = path.join(scratch, 'memory-data');
  const cli = (...args: string[]) => peakRssOfCli(['--data', dataDir, ...args]);
  const importPeak = async (folder: string, project: string) => {
    await cli('project', 'create', project);
    return cli('import', folder, '--project', project);
  };
  const baseline = await importPeak(images, 'Baseline');
  const withNonImages = await importPeak(nonImages, 'Non-images');
  const withLargeFiles = await importPeak(largeFiles, 'Large files');
  const bare = { name: 'the same 40 images alone', value: baseline / MiB };
  printFigure({
    name: 'import peak memory, 40 fundus images + 4 sparse 1 GiB non-images named .jpg (CLI, peak RSS)',
    value: withNonImages / MiB,
    unit: 'MiB',
    baseline: bare,
    goal: 'ratio <= 1.2 (refused by their header, never read; before: 4.1 GiB)',
    met: withNonImages / baseline <= 1.2,
  });
  printFigure({
    name: 'import peak memory, 40 fundus images + 3 sparse 300 MiB damaged JPEGs (CLI, peak RSS)',
    value: withLargeFiles / MiB,
    unit: 'MiB',
    baseline: bare,
    goal: 'at most 768 MiB over the baseline (one at a time within the byte budget; all three at once would be 900 MiB)',
    met: withLargeFiles - baseline <= 768 * MiB,
  });
}
