import type { Project, TaskSpec } from '../../shared/domain';
import { conflict, invalid, notFound } from '../../shared/errors';
import type { Db } from './database';
import { writeTransaction } from './write-transaction';
import { storedJson } from './failures';

interface ProjectRow {
  id: number;
  name: string;
  task_kind: TaskSpec['kind'];
  classes: string;
  created_at: string;
}

const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  name: row.name,
  task: { kind: row.task_kind, classes: storedJson<string[]>(row.classes, `the classes of project ${row.id}`) },
  createdAt: row.created_at,
});

export class ProjectStore {
  constructor(private readonly db: Db) {}

  create(name: string, task: TaskSpec): Project {
    const trimmed = name.trim();
    if (!trimmed) throw invalid('A project needs a name.');
    return writeTransaction(this.db, () => {
      if (this.find(trimmed)) throw conflict(`A project named "${trimmed}" already exists.`);
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO projects (name, task_kind, classes, created_at) VALUES (?, ?, ?, ?)')
        .run(trimmed, task.kind, JSON.stringify(task.classes), new Date().toISOString());
      return this.get(Number(lastInsertRowid));
    });
  }

  list(): Project[] {
    return (this.db.prepare('SELECT * FROM projects ORDER BY name').all() as ProjectRow[]).map(toProject);
  }

  find(name: string): Project | undefined {
    const row = this.db.prepare('SELECT * FROM projects WHERE name = ?').get(name.trim()) as ProjectRow | undefined;
    return row && toProject(row);
  }

  get(id: number): Project {
    const row = this.db.prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
    if (!row) throw notFound(`There is no project with id ${id}.`);
    return toProject(row);
  }

  /** The project with this name, or an error that lists the projects there are. */
  byName(name: string): Project {
    const project = this.find(name);
    if (project) return project;
    const names = this.list().map((p) => p.name);
    throw notFound(
      names.length
        ? `There is no project named "${name}". Projects: ${names.join(', ')}.`
        : `There is no project named "${name}"; this data directory has no projects yet.`,
    );
  }
}
