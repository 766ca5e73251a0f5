import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { taskSpecFor } from '../../shared/domain';
import { writeDemoDataset } from '../demo/dataset';
import { THUMBNAIL_SIZE } from '../imaging/cache';
import { scanFolder } from '../ingest/scan-folder';
import { Workspace } from '../app/workspace';
import { percentile, printFigure, timed } from './measure';

const RUNS = 3;

/** The bare baseline: sharp decoding and resizing the same files to thumbnail size, all cores busy. */
async function bareDecodeAndResize(files: readonly string[]): Promise<void> {
  const queue = [...files];
  const lane = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      await sharp(file).resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside' }).jpeg().toBuffer();
    }
  };
  await Promise.all(Array.from({ length: os.availableParallelism() * 2 }, lane));
}

async function measureFolder(label: string, folder: string, labelsFile: string | undefined, scratch: string): Promise<void> {
  const { files } = await scanFolder(folder);
  // Warm the OS file cache so neither side pays for the first disk read.
  await Promise.all(files.map((file) => fs.readFile(file)));
  const workspace = Workspace.open(path.join(scratch, `data-${label}`));
  try {
    // The app keeps its worker pool between imports: start it (and its sharp) before timing.
    const warmUp = path.join(scratch, `warm-up-${label}`);
    await fs.mkdir(warmUp);
    await Promise.all(files.slice(0, 8).map((file) => fs.copyFile(file, path.join(warmUp, path.basename(file)))));
    await workspace.startImport({ project: workspace.store.projects.create('Warm-up', taskSpecFor('dr-grade')), folder: warmUp }).done;

    // Alternate the two sides and keep the median of three runs each: single runs of a second or two
    // swing by ±15% on a shared two-core machine.
    const baselineSeconds: number[] = [];
    const importSeconds: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      baselineSeconds.push((await timed(() => bareDecodeAndResize(files))).seconds);
      const project = workspace.store.projects.create(`Bench ${run}`, taskSpecFor('dr-grade'));
      importSeconds.push((await timed(() => workspace.startImport({ project, folder, labelsFile }).done)).seconds);
    }
    const baseline = percentile(baselineSeconds, 50);
    const imported = percentile(importSeconds, 50);
    const ratio = baseline / imported;
    printFigure({
      name: `import throughput, ${label} (${files.length} files: hashes, thumbnails, rows${labelsFile ? ', labels' : ''}; worker pool warm; median of ${RUNS})`,
      value: files.length / imported,
      unit: 'images/s',
      baseline: { name: 'bare sharp decode+resize', value: files.length / baseline },
      goal: 'ratio >= 0.8',
      met: ratio >= 0.8,
    });
  } finally {
    await workspace.close();
  }
}

export async function benchImport(scratch: string, realDataset: string | null): Promise<void> {
  const demo = path.join(scratch, 'demo');
  await writeDemoDataset(demo, { count: 200, seed: 7, minSize: 1024, maxSize: 2048 });
  await measureFolder('synthetic fundus 1024-2048 px', path.join(demo, 'images'), path.join(demo, 'trainLabels.csv'), scratch);
  if (realDataset) {
    await measureFolder('eyepacs-dev-256', path.join(realDataset, 'images'), path.join(realDataset, 'trainLabels.csv'), scratch);
  }
}
