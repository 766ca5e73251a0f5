import type { Migration } from './types';

/**
 * Library's name sort in natural order (1530_left before 15301_left; `natural_key` is registered by
 * openDatabase), and models that kept the old generated name ("ordinal on mobilenet-v2-nsfwjs @224")
 * renamed the way new ones are named.
 */
export const naturalNameOrder: Migration = {
  version: 4,
  name: 'Natural order of file names; readable model names',
  sql: `
    ALTER TABLE images ADD COLUMN name_key TEXT;
    UPDATE images SET name_key = natural_key(file_name);
    DROP INDEX images_by_name;
    DROP INDEX images_by_label;
    CREATE INDEX images_by_name ON images(project_id, name_key, id);
    CREATE INDEX images_by_label ON images(project_id, label_class, name_key, id);
    UPDATE models SET name = 'Model ' || id || ' (' || input_size || ' px' || CASE WHEN strategy = 'fine-tune' THEN ', fine-tuned' ELSE '' END || ')'
      WHERE name GLOB '* on * @[0-9]*';
  `,
};
