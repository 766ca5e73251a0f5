import fs from 'node:fs';
import path from 'node:path';
import type { Piscina } from 'piscina';
import type { ImportReport } from '../shared/import-report';
import type { FileAnalysis, FileAnalysisRequest } from './ingest/analyse-file';
import analyseWorkerScript from './ingest/analyse-worker?modulePath';
import { importFolder, type ImportRequest } from './ingest/import-folder';
import { JobRunner, type RunningJob } from './jobs/runner';
import { createWorkerPool } from './jobs/worker-pool';
import { Store } from './store';

/**
 * One open data directory: its store, its cache of derived images, and the jobs running on it.
 * The CLI, the desktop app and the browser bridge all work through this object.
 */
export class Workspace {
  readonly jobs = new JobRunner();
  private analysePool: Piscina<FileAnalysisRequest, FileAnalysis> | null = null;

  private constructor(
    readonly dataDir: string,
    readonly store: Store,
  ) {}

  static open(dataDir: string): Workspace {
    fs.mkdirSync(dataDir, { recursive: true });
    return new Workspace(dataDir, Store.open(dataDir));
  }

  get cacheDir(): string {
    return path.join(this.dataDir, 'cache');
  }

  /** Starts importing a folder as a job; its progress and end are reported through `jobs`. */
  startImport(request: ImportRequest): RunningJob<ImportReport> {
    this.analysePool ??= createWorkerPool(analyseWorkerScript);
    const context = { store: this.store, cacheDir: this.cacheDir, pool: this.analysePool };
    const details: Record<string, string> = { folder: path.resolve(request.folder) };
    if (request.labelsFile) details.labelsFile = path.resolve(request.labelsFile);
    return this.jobs.start(
      'import',
      `Import ${path.basename(request.folder)} into ${request.project.name}`,
      ({ signal, progress }) => importFolder(context, request, { signal, onProgress: progress }),
      { projectId: request.project.id, details },
    );
  }

  async close(): Promise<void> {
    await this.analysePool?.destroy();
    this.analysePool = null;
    this.store.close();
  }
}
