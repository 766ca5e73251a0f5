import type { Migration } from './types';

/**
 * Grading protocols per project (no row: `single`, Gradedesk's original behaviour). Under a double protocol a
 * grader's grade is a `blind` label event: it is that grader's own, kept in the same append-only history, and
 * does not set the image's current label; the final label is an event of its own (source `adjudication`).
 */
export const gradingProtocols: Migration = {
  version: 11,
  name: 'grading protocols, blind grades and work-queue order',
  sql: `
    CREATE TABLE grading_protocols (
      project_id  INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
      kind        TEXT NOT NULL CHECK (kind IN ('single', 'double-blind', 'double-adjudicated')),
      graders     INTEGER NOT NULL CHECK (graders BETWEEN 1 AND 10),
      refer       TEXT NOT NULL,              -- JSON array of referral rules
      policy      TEXT NOT NULL CHECK (policy IN ('adjudicator', 'majority', 'most-severe')),
      queue_order TEXT NOT NULL CHECK (queue_order IN ('random', 'file')),
      updated_at  TEXT NOT NULL
    );
    ALTER TABLE label_events ADD COLUMN blind INTEGER NOT NULL DEFAULT 0;  -- 1: a grader's own grade under a double protocol
    CREATE INDEX label_events_blind ON label_events(image_id, reader_id) WHERE blind = 1;
  `,
};
