import type Database from 'better-sqlite3';

const DIGIT_RUN = /\d+/g;
const WIDTH = 20;

/**
 * A file name's sort key for "natural" order, where digit runs compare as numbers: 1530_left before
 * 15301_left, img2 before img10. Digit runs are zero-padded to a fixed width, so plain string order of the
 * keys is natural order of the names; runs longer than the width keep their length and still sort after
 * shorter ones.
 */
export function naturalKey(name: string): string {
  return name.replace(DIGIT_RUN, (run) => {
    const digits = run.replace(/^0+(?=\d)/, '');
    // ':' sorts after every digit and before every letter: a run too long to pad sorts after all padded ones.
    return digits.length >= WIDTH ? `:${String(digits.length).padStart(4, '0')}${digits}` : digits.padStart(WIDTH, '0');
  });
}

/** Makes `natural_key(text)` available to this connection's SQL. */
export function registerNaturalKey(db: Database.Database): void {
  db.function('natural_key', { deterministic: true }, (name: unknown) => (typeof name === 'string' ? naturalKey(name) : name));
}
