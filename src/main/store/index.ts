import path from 'node:path';
import { integrityProblems } from './check';
import { DATABASE_FILE_NAME, openDatabase, schemaVersion, type Db } from './database';
import { FeatureStore } from './features';
import { ImageStore } from './images';
import { LabelStore } from './labels';
import { ModelStore } from './models';
import { PredictionStore } from './predictions';
import { ProjectStore } from './projects';
import { ReaderStore } from './readers';
import { writeTransaction } from './write-transaction';
import { projectStats } from './stats';
import type { Project, ProjectStats } from '../../shared/domain';

/** The image-label store of one data directory: one SQLite file, one object per aggregate. */
export class Store {
  readonly projects: ProjectStore;
  readonly readers: ReaderStore;
  readonly images: ImageStore;
  readonly labels: LabelStore;
  readonly models: ModelStore;
  readonly predictions: PredictionStore;
  readonly features: FeatureStore;

  private constructor(readonly db: Db) {
    this.projects = new ProjectStore(db);
    this.readers = new ReaderStore(db);
    this.images = new ImageStore(db);
    this.labels = new LabelStore(db);
    this.models = new ModelStore(db);
    this.predictions = new PredictionStore(db);
    this.features = new FeatureStore(db);
  }

  static open(dataDir: string): Store {
    return new Store(openDatabase(path.join(dataDir, DATABASE_FILE_NAME)));
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  stats(project: Project): ProjectStats {
    return projectStats(this.db, project.id, project.task);
  }

  integrityProblems(): string[] {
    return integrityProblems(this.db);
  }

  /**
   * Runs `work` in one write transaction (the write lock taken first, see `writeTransaction`): everything
   * it writes lands together or not at all.
   */
  transaction<T>(work: () => T): T {
    return writeTransaction(this.db, work);
  }

  close(): void {
    this.db.close();
  }
}
