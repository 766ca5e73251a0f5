import fs from 'node:fs/promises';
import path from 'node:path';
import type { Piscina } from 'piscina';
import type { Project } from '../../shared/domain';
import type { ImportFileError, ImportReport, LabelImportReport, LabelProblem } from '../../shared/import-report';
import { ByteBudget } from '../jobs/byte-budget';
import { ProgressMeter, throttled, type Progress } from '../jobs/progress';
import type { Store } from '../store';
import type { KnownFile } from '../store/images';
import type { NewLabel } from '../store/labels';
import type { FileAnalysis, FileAnalysisRequest } from './analyse-file';
import { frameAddress } from './dicom/frame-address';
import { groupFromFileStem } from './groups';
import { readLabelFile, type LabelFileParse } from './label-files';
import { findNearDuplicates } from './near-duplicates';
import { scanFolder } from './scan-folder';

export interface ImportRequest {
  project: Project;
  folder: string;
  labelsFile?: string;
}

export interface ImportContext {
  store: Store;
  cacheDir: string;
  /** Worker threads running `analyseFile`. */
  pool: Piscina<FileAnalysisRequest, FileAnalysis[]>;
}

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** Rows are written in transactions of this many files: few enough to lose little on a crash, many enough to be fast. */
const WRITE_BATCH = 64;

/**
 * The most file bytes being read and decoded at once, over all workers: a folder of large files is
 * read a few at a time rather than sixteen at once. (A file's decoded pixels come on top; the pixel
 * limit bounds those.)
 */
export const IMPORT_BYTE_BUDGET = 256 * 2 ** 20;

/**
 * Imports a folder of images (and optionally a label file) into a project. Bad files become error
 * rows and the import carries on; a re-import adds nothing twice. On cancel, what was written stays
 * and the next import of the folder continues from there.
 */
export async function importFolder(context: ImportContext, request: ImportRequest, options: ImportOptions = {}): Promise<ImportReport> {
  const started = performance.now();
  const { store, cacheDir, pool } = context;
  const { project } = request;
  const report = throttled((progress) => options.onProgress?.(progress));

  const result: ImportReport = {
    folder: path.resolve(request.folder),
    filesFound: 0,
    imported: 0,
    updated: 0,
    unchanged: 0,
    errors: [],
    errorsByKind: {},
    duplicates: { exact: 0, near: 0 },
    labels: null,
    otherFiles: 0,
    skipped: [],
    cancelled: false,
    seconds: 0,
  };
  const cancelledNow = () => ({ ...result, cancelled: true, seconds: (performance.now() - started) / 1000 });
  // Cancelling while the label file or the folder is read ends the import with nothing written.
  const unlessCancelled = (error: unknown) => {
    if (options.signal?.aborted) return null;
    throw error;
  };

  // Read the label file first: a wrong header should stop the import before any image is decoded.
  const labels = request.labelsFile ? await readLabelFile(request.labelsFile, project.task, options.signal).catch(unlessCancelled) : null;
  if (options.signal?.aborted) return cancelledNow();

  report(new ProgressMeter('Scanning folder', 0).snapshot(), true);
  const scan = await scanFolder(request.folder, options.signal).catch(unlessCancelled);
  if (!scan) return cancelledNow();
  const known = store.images.knownFiles(project.id);
  Object.assign(result, { filesFound: scan.files.length, otherFiles: scan.otherFiles, skipped: scan.skipped });

  const meter = new ProgressMeter('Reading images', scan.files.length);
  report(meter.snapshot(), true);
  // Rows are written in scan (path) order, whatever order the workers finish in, so that image ids,
  // and with them which copy counts as the original of a duplicate, are the same on every import.
  // A null is a file whose analysis was cut short by cancelling: nothing is written for it. A file
  // holds one image, or one per frame for a multi-frame DICOM file.
  const finished: Array<FileAnalysis[] | null | undefined> = [];
  let nextToWrite = 0;
  let batch: FileAnalysis[] = [];
  const flush = () => {
    if (batch.length) store.transaction(() => batch.forEach((analysis) => recordAnalysis(store, project, known, analysis, result)));
    batch = [];
  };
  const collect = (index: number, analyses: FileAnalysis[] | null) => {
    finished[index] = analyses;
    for (; finished[nextToWrite] !== undefined; nextToWrite++) {
      const next = finished[nextToWrite];
      if (next) batch.push(...next);
      finished[nextToWrite] = undefined;
    }
    if (batch.length >= WRITE_BATCH) flush();
  };

  // Keep every worker busy, with a short queue and no more than the byte budget of files in flight,
  // and stop dispatching (not mid-file) on cancel.
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = pool.options.maxThreads * pool.options.concurrentTasksPerWorker;
  const budget = new ByteBudget(IMPORT_BYTE_BUDGET);
  for (const [index, file] of scan.files.entries()) {
    if (options.signal?.aborted) break;
    const size = await fs.stat(file).then((stat) => stat.size, () => 0);
    const held = await budget.acquire(size, options.signal).catch(() => null);
    if (held === null) break;
    // A multi-frame DICOM file was recorded frame by frame: its first frame stands for it.
    const before = known.get(file) ?? known.get(frameAddress(file, 0, 2));
    // Only a good image's hash may skip the work: a file recorded as broken is looked at again.
    const knownSha256 = before?.status === 'ok' ? before.sha256 : undefined;
    const task = pool
      .run({ path: file, cacheDir, knownSha256 })
      .catch((error: Error): FileAnalysis[] | null =>
        options.signal?.aborted
          ? null
          : [{ path: file, bytes: 0, sha256: '', status: 'error', errorKind: 'corrupt-image', errorText: `The image could not be processed (${error.message}).` }],
      )
      .then((analysis) => {
        budget.release(held);
        collect(index, analysis);
        meter.done += 1;
        report(meter.snapshot());
      });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  flush();
  result.cancelled = options.signal?.aborted ?? false;

  if (!result.cancelled) {
    report(new ProgressMeter('Finding near duplicates', 0).snapshot(), true);
    result.duplicates.near = flagNearDuplicates(store, project);
    if (labels && request.labelsFile) {
      report(new ProgressMeter('Applying labels', labels.rows.length).snapshot(), true);
      result.labels = applyLabels(store, project, request.labelsFile, labels);
    }
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

function recordAnalysis(store: Store, project: Project, known: Map<string, KnownFile>, analysis: FileAnalysis, result: ImportReport): void {
  const existing = known.get(analysis.path);
  const ok = analysis.status === 'ok';
  if (ok && analysis.cacheProblem) addError(result, { path: analysis.path, kind: 'cache-write-failed', message: analysis.cacheProblem });
  const sameAsBefore =
    analysis.status === 'unchanged' ||
    (existing?.sha256 === analysis.sha256 &&
      (ok ? existing.status === 'ok' : analysis.status === 'error' && existing.errorKind === analysis.errorKind));
  if (sameAsBefore) {
    result.unchanged += 1;
    return;
  }
  const fileName = path.basename(analysis.path);
  const dicom = ok ? analysis.dicom : undefined;
  const stem = dicom?.stem ?? fileName.slice(0, fileName.length - path.extname(fileName).length);
  // A DICOM image's patient is its PatientID and its eye its laterality; a file without them is grouped by name, as any other.
  const group = groupFromFileStem(stem);
  const row = {
    projectId: project.id,
    path: analysis.path,
    fileName,
    stem,
    sha256: analysis.sha256,
    phash: ok ? analysis.phash : null,
    detailHash: ok ? analysis.detailHash : null,
    width: ok ? analysis.width : null,
    height: ok ? analysis.height : null,
    bytes: analysis.bytes,
    format: ok ? analysis.format : null,
    groupId: dicom?.patientId || group.groupId,
    eye: dicom ? dicom.eye : group.eye,
    dicom: dicom ? { studyDate: dicom.studyDate, manufacturer: dicom.manufacturer, model: dicom.model } : null,
    status: analysis.status,
    errorKind: ok ? null : analysis.errorKind,
    errorText: ok ? null : analysis.errorText,
  };
  let id: number;
  if (existing) {
    store.images.replace(existing.id, row);
    id = existing.id;
    // A file that could not be imported before and now can is newly imported, not changed.
    if (ok && existing.status === 'error') result.imported += 1;
    else result.updated += 1;
  } else {
    id = store.images.insert(row);
    if (ok) result.imported += 1;
  }
  known.set(analysis.path, { id, sha256: analysis.sha256, status: row.status, errorKind: row.errorKind });
  if (!ok) {
    addError(result, { path: analysis.path, kind: analysis.errorKind, message: analysis.errorText });
    return;
  }
  const original = store.images.firstWithSha(project.id, analysis.sha256, id);
  if (original && original.id < id) {
    store.images.markDuplicate(id, original.id, 'exact');
    result.duplicates.exact += 1;
  }
}

function addError(result: ImportReport, error: ImportFileError): void {
  result.errors.push(error);
  result.errorsByKind[error.kind] = (result.errorsByKind[error.kind] ?? 0) + 1;
}

/** Flags images that are not exact copies but the same picture re-encoded or resized. Returns how many are new. */
function flagNearDuplicates(store: Store, project: Project): number {
  const hashes = store.images.perceptualHashes(project.id);
  const alreadyFlagged = new Set(hashes.filter((h) => h.duplicateOf !== null).map((h) => h.id));
  const nearOriginals = findNearDuplicates(hashes);
  let flagged = 0;
  store.transaction(() => {
    for (const [id, originalId] of nearOriginals) {
      if (alreadyFlagged.has(id)) continue;
      store.images.markDuplicate(id, originalId, 'near');
      flagged += 1;
    }
  });
  return flagged;
}

/** Writes an `import` label event for each row whose label is new or changed, and records rows that match no image. */
function applyLabels(store: Store, project: Project, labelsFile: string, parsed: LabelFileParse): LabelImportReport {
  const problems: LabelProblem[] = [...parsed.problems];
  const events: NewLabel[] = [];
  const origin = path.basename(labelsFile);
  return store.transaction(() => {
    for (const row of parsed.rows) {
      const images = store.images.byStem(project.id, row.imageKey);
      if (images.length === 0) {
        problems.push({ line: row.line, kind: 'unknown-image', message: `Line ${row.line} names image "${row.imageKey}", which is not in this project.` });
        continue;
      }
      for (const image of images) {
        events.push({ imageId: image.id, value: row.value, source: 'import', origin });
        if (row.meta || row.groupId) store.images.setSourceMeta(image.id, row.meta ?? {}, row.groupId);
      }
    }
    const written = store.labels.recordMany(project.task, events, { onlyIfChanged: true });
    problems.sort((a, b) => a.line - b.line);
    return {
      file: path.resolve(labelsFile),
      format: parsed.format,
      rows: parsed.rows.length + parsed.problems.length,
      applied: written.length,
      unchanged: events.length - written.length,
      problems,
    };
  });
}
