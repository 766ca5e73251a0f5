import type { Migration } from './types';

/** Library's name sort in natural order (1530_left before 15301_left); `natural_key` is registered by openDatabase. */
export const naturalNameOrder: Migration = {
  version: 4,
  name: 'Natural order of file names',
  sql: `
    ALTER TABLE images ADD COLUMN name_key TEXT;
    UPDATE images SET name_key = natural_key(file_name);
    DROP INDEX images_by_name;
    DROP INDEX images_by_label;
    CREATE INDEX images_by_name ON images(project_id, name_key, id);
    CREATE INDEX images_by_label ON images(project_id, label_class, name_key, id);
  `,
};
