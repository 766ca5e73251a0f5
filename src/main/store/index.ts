import path from 'node:path';
import { BackboneStore } from './backbones';
import { backupDatabase } from './backup';
import { integrityProblems } from './check';
import { DataVersion } from './data-version';
import { DATABASE_FILE_NAME, openDatabase, schemaVersion, type Db } from './database';
import { EmbeddingStore } from './embeddings';
import { ExportStore } from './exports';
import { FeatureStore } from './features';
import { ImageStore } from './images';
import { LabelStore } from './labels';
import { ModelStore } from './models';
import { PredictionStore } from './predictions';
import { ProjectStore } from './projects';
import { PeopleStore } from './people';
import { ProtocolStore } from './protocols';
import { ReaderStore } from './readers';
import { TriageStore } from './triage';
import { writeTransaction } from './write-transaction';
import { projectStats } from './stats';
import type { Project, ProjectStats } from '../../shared/domain';

/** The image-label store of one data directory: one SQLite file, one object per aggregate. */
export class Store {
  readonly projects: ProjectStore;
  readonly readers: ReaderStore;
  readonly people: PeopleStore;
  readonly protocols: ProtocolStore;
  readonly images: ImageStore;
  readonly labels: LabelStore;
  readonly models: ModelStore;
  readonly predictions: PredictionStore;
  readonly features: FeatureStore;
  readonly embeddings: EmbeddingStore;
  readonly backbones: BackboneStore;
  readonly triage: TriageStore;
  readonly exports: ExportStore;
  readonly dataVersion: DataVersion;

  /**
   * The connection, for the store's own modules and for tests that inspect or damage the file. Code
   * outside src/main/store goes through the objects above (test/unit/sql-in-store.test.ts checks it).
   */
  readonly db: Db;

  private constructor(db: Db) {
    this.db = db;
    this.dataVersion = new DataVersion(db);
    this.projects = new ProjectStore(db);
    this.readers = new ReaderStore(db);
    this.people = new PeopleStore(db);
    this.protocols = new ProtocolStore(db, this.dataVersion);
    this.images = new ImageStore(db, this.dataVersion);
    this.labels = new LabelStore(db);
    this.models = new ModelStore(db);
    this.predictions = new PredictionStore(db);
    this.features = new FeatureStore(db);
    this.embeddings = new EmbeddingStore(db);
    this.backbones = new BackboneStore(db);
    this.triage = new TriageStore(db);
    this.exports = new ExportStore(db);
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

  /** Inside a transaction, a read may see writes that are later rolled back. */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /** Writes a consistent copy of the database to `file` with SQLite's online backup, while others keep working. */
  backup(file: string): Promise<{ file: string; bytes: number }> {
    return backupDatabase(this.db, file);
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
