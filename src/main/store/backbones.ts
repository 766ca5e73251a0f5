import type { BackboneInfo } from '../../shared/ml';
import type { Db } from './database';

/** A user backbone as stored: its description plus, for URL downloads, the expected checksum and size. */
export interface StoredBackbone extends BackboneInfo {
  sha256?: string;
  size?: number;
}

/** The backbones a user added (the bundled one is not stored), each as its JSON description. */
export class BackboneStore {
  constructor(private readonly db: Db) {}

  /** Oldest first. */
  list(): StoredBackbone[] {
    const rows = this.db.prepare('SELECT spec FROM backbones ORDER BY created_at, id').all() as Array<{ spec: string }>;
    return rows.map((row) => JSON.parse(row.spec) as StoredBackbone);
  }

  get(id: string): StoredBackbone | null {
    const row = this.db.prepare('SELECT spec FROM backbones WHERE id = ?').get(id) as { spec: string } | undefined;
    return row ? (JSON.parse(row.spec) as StoredBackbone) : null;
  }

  has(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM backbones WHERE id = ?').get(id) !== undefined;
  }

  add(spec: StoredBackbone): void {
    this.db.prepare('INSERT INTO backbones (id, spec, created_at) VALUES (?, ?, ?)').run(spec.id, JSON.stringify(spec), new Date().toISOString());
  }

  /** False when there was no such backbone. */
  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM backbones WHERE id = ?').run(id).changes > 0;
  }
}
