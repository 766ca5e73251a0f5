import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSpecFor, type Project } from '../../src/shared/domain';
import type { ImportReport } from '../../src/shared/import-report';
import { cachedImagePath } from '../../src/main/imaging/cache';
import { Workspace } from '../../src/main/app/workspace';
import { writePlantedFolder, type PlantedFolder } from '../fixtures/images';

describe('importing a folder with planted bad files', () => {
  let root: string;
  let workspace: Workspace;
  let project: Project;
  let planted: PlantedFolder;
  let report: ImportReport;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-import-'));
    planted = await writePlantedFolder(path.join(root, 'clinic export'));
    workspace = Workspace.open(path.join(root, 'data'));
    project = workspace.store.projects.create('Screening', taskSpecFor('dr-grade'));
    report = await workspace.startImport({ project, folder: planted.dir, labelsFile: planted.labelsFile }).done;
  });

  afterAll(async () => {
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('imports every good file and records each bad file with its specific error', () => {
    const badCount = Object.keys(planted.badFiles).length;
    expect(report.filesFound).toBe(planted.goodFiles.length + badCount);
    expect(report.imported).toBe(planted.goodFiles.length);
    expect(report.otherFiles).toBe(2); // readme.txt and the label file
    expect(Object.fromEntries(report.errors.map((e) => [e.path, e.kind]))).toEqual(planted.badFiles);
    expect(report.errorsByKind).toEqual({
      'corrupt-image': 1,
      'empty-file': 1,
      'not-an-image': 1,
      'too-many-pixels': 1,
      'dicom-damaged': 1,
    });
    const dicom = report.errors.find((e) => e.kind === 'dicom-damaged');
    expect(dicom?.message).toMatch(/The DICOM header is damaged|names no transfer syntax/);
  });

  it('flags the exact copy and the re-encoded copy as duplicates of their originals', () => {
    expect(report.duplicates).toEqual({ exact: 1, near: 1 });
    const images = workspace.store.images;
    const exact = images.byPath(project.id, planted.exactDuplicate)!;
    expect(exact.duplicateKind).toBe('exact');
    expect(images.get(exact.duplicateOf!).fileName).toBe('10001_left.jpeg');
    const near = images.byPath(project.id, planted.nearDuplicate)!;
    expect(near.duplicateKind).toBe('near');
    expect(images.get(near.duplicateOf!).fileName).toBe('10002_left.jpeg');
  });

  it('applies EXIF orientation and derives patient groups from EyePACS names', () => {
    const rotated = workspace.store.images.byPath(project.id, planted.rotated)!;
    expect([rotated.width, rotated.height]).toEqual([200, 300]);
    const left = workspace.store.images.byPath(project.id, path.join(planted.dir, '10002_left.jpeg'))!;
    expect([left.groupId, left.eye]).toEqual(['10002', 'left']);
  });

  it('writes a thumbnail (long side 256 at most) for every good image, in every colour model', async () => {
    for (const file of planted.goodFiles) {
      const image = workspace.store.images.byPath(project.id, file)!;
      const thumbnail = sharp(cachedImagePath(workspace.cacheDir, 'thumbnails', image.sha256));
      const meta = await thumbnail.metadata();
      expect(meta.format).toBe('jpeg');
      expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(256);
      expect(meta.channels).toBe(3);
      // The test pictures are bright colour fields: a blank or black thumbnail means the decode went wrong.
      const { channels } = await thumbnail.stats();
      expect(Math.max(...channels.map((c) => c.mean)), file).toBeGreaterThan(60);
      expect(Math.max(...channels.map((c) => c.stdev)), file).toBeGreaterThan(15);
    }
  });

  it('applies the label file and reports rows naming unknown images or out-of-range grades', () => {
    expect(report.labels).toMatchObject({ format: 'eyepacs', applied: 5 });
    expect(report.labels!.problems.map((p) => [p.line, p.kind])).toEqual([
      [7, 'unknown-image'],
      [8, 'out-of-range-grade'],
    ]);
    const stats = workspace.store.stats(project);
    expect(stats.perClass).toEqual({ '0': 1, '1': 1, '2': 1, '3': 1, '4': 1 });
    expect(stats.labelled).toBe(5);
  });

  it('adds nothing when the same folder is imported again, and records a changed label as a new import event', async () => {
    await fs.writeFile(planted.labelsFile, 'image,level\n10001_left,0\n10001_right,3\n');
    const again = await workspace.startImport({ project, folder: planted.dir, labelsFile: planted.labelsFile }).done;
    expect(again.imported).toBe(0);
    expect(again.updated).toBe(0);
    expect(again.unchanged).toBe(again.filesFound);
    expect(again.duplicates).toEqual({ exact: 0, near: 0 });
    expect(again.labels).toMatchObject({ applied: 1, unchanged: 1 });
    const image = workspace.store.images.resolve(project.id, '10001_right');
    const history = workspace.store.labels.history(image.id);
    expect(history.map((e) => [e.source, e.previousValue, e.value])).toEqual([
      ['import', null, 1],
      ['import', 1, 3],
    ]);
    expect(workspace.store.stats(project).images).toBe(report.filesFound);
  });
});
