import type { Reader } from '../../shared/domain';
import { invalid, notFound } from '../../shared/errors';
import type { Db } from './database';
import { writeTransaction } from './write-transaction';

interface ReaderRow {
  id: number;
  name: string;
  created_at: string;
}

const toReader = (row: ReaderRow): Reader => ({ id: row.id, name: row.name, createdAt: row.created_at });

/** Readers are named local profiles: who gave a grade is part of every label event. */
export class ReaderStore {
  constructor(private readonly db: Db) {}

  /** The reader with this name, created on first use. */
  ensure(name: string): Reader {
    const trimmed = name.trim();
    if (!trimmed) throw invalid('A reader needs a name.');
    const byName = this.db.prepare('SELECT * FROM readers WHERE name = ?');
    const known = byName.get(trimmed) as ReaderRow | undefined;
    if (known) return toReader(known);
    // Looked up again under the write lock, so that two processes naming a new reader at once create it once.
    return writeTransaction(this.db, () => {
      const existing = byName.get(trimmed) as ReaderRow | undefined;
      if (existing) return toReader(existing);
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO readers (name, created_at) VALUES (?, ?)')
        .run(trimmed, new Date().toISOString());
      return this.get(Number(lastInsertRowid));
    });
  }

  get(id: number): Reader {
    const row = this.db.prepare('SELECT * FROM readers WHERE id = ?').get(id) as ReaderRow | undefined;
    if (!row) throw notFound(`There is no reader with id ${id}.`);
    return toReader(row);
  }

  list(): Reader[] {
    return (this.db.prepare('SELECT * FROM readers ORDER BY name').all() as ReaderRow[]).map(toReader);
  }
}
