import type { Store } from '.';

// The yardsticks `npm run bench` holds the store's figures against: the same kind of work in bare SQL
// on the store's own connection, without its filters, ordering, events or retries.

/** Reads 200 image rows of a project at an offset, unfiltered and unsorted. */
export function bareImagePage(store: Store): (projectId: number, offset: number) => unknown[] {
  const select = store.db.prepare('SELECT * FROM images WHERE project_id = ? LIMIT 200 OFFSET ?');
  return (projectId, offset) => select.all(projectId, offset);
}

/** Reads the ids of a project's images, unordered: what a work queue starts from. */
export function bareProjectIds(store: Store): (projectId: number) => unknown[] {
  const select = store.db.prepare('SELECT id FROM images WHERE project_id = ?').pluck();
  return (projectId) => select.all(projectId);
}

/** Writes one row per call, each in its own transaction, into a scratch table made for it. */
export function bareOneRowWrites(store: Store): (i: number) => void {
  store.db.exec('CREATE TABLE bare_writes (a INTEGER, b TEXT)');
  const insert = store.db.prepare('INSERT INTO bare_writes (a, b) VALUES (?, ?)');
  return (i) => {
    store.db.transaction(() => insert.run(i, 'x'))();
  };
}
