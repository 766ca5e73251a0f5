import type { Db } from './database';

/** How far the database has moved on: what caches of query results are checked against. */
export class DataVersion {
  private readonly writesAndCommits;
  private readonly othersCommits;

  constructor(db: Db) {
    this.writesAndCommits = db.prepare('SELECT total_changes() AS changes, (SELECT data_version FROM pragma_data_version) AS version');
    this.othersCommits = db.prepare('PRAGMA data_version').pluck();
  }

  /** Changes with every write on this connection (total_changes) and every commit by another (data_version). */
  current(): string {
    const { changes, version } = this.writesAndCommits.get() as { changes: number; version: number };
    return `${changes}:${version}`;
  }

  /** SQLite's `data_version`: changes only when another connection (another process) commits. */
  committedByOthers(): number {
    return this.othersCommits.get() as number;
  }
}
