import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The secret behind every pseudonym of a data directory: 32 random bytes, made on first use and kept. */
export const PSEUDONYM_KEY_FILE = 'pseudonym.key';

function pseudonymKey(dataDir: string): Buffer {
  const file = path.join(dataDir, PSEUDONYM_KEY_FILE);
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    // 'wx': when two exports start at once, the second keeps the first one's key.
    fs.writeFileSync(file, randomBytes(32), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fs.readFileSync(file);
}

/**
 * A patient's pseudonym in exports: the same for the same patient id in every export from this data
 * directory, and not reversible without the key (HMAC-SHA256). 'P-' and 12 hex digits.
 */
export function patientPseudonym(dataDir: string, patientId: string): string {
  return 'P-' + createHmac('sha256', pseudonymKey(dataDir)).update(patientId).digest('hex').slice(0, 12);
}
