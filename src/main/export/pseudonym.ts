// Keyed pseudonyms for de-identified exports. The key is 32 random bytes kept in the data directory, so
// that every export from one data directory gives a patient the same pseudonym, and nobody without the
// key can recompute a pseudonym from a guessed patient id (a plain hash of an id could be).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { damaged } from '../../shared/errors';
import { storageFailure } from '../store/failures';

export const PSEUDONYM_KEY_FILE = 'pseudonym.key';
const KEY_BYTES = 32;

/** The data directory's pseudonym key, created (readable by its owner only) on first use. */
export function pseudonymKey(dataDir: string): Buffer {
  const file = path.join(dataDir, PSEUDONYM_KEY_FILE);
  let key: Buffer;
  try {
    if (!fs.existsSync(file)) createKey(file);
    key = fs.readFileSync(file);
  } catch (error) {
    // A read-only or full data folder is said as everywhere else.
    throw storageFailure(error) ?? error;
  }
  if (key.length !== KEY_BYTES) {
    throw damaged(`The pseudonym key ${file} is damaged (${key.length} bytes instead of ${KEY_BYTES}); bring it back from a backup, or delete it to start new pseudonyms that will not match earlier exports.`);
  }
  return key;
}

/**
 * Writes a new key beside the file and links it into place: the link fails if another process made
 * the key first (then its key is the one used), and nobody ever reads a half-written key.
 */
function createKey(file: string): void {
  const draft = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(draft, crypto.randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

/** The prefix, a hyphen and the first 12 hexadecimal digits of HMAC-SHA256(key, text). */
export const keyedPseudonym = (key: Buffer, prefix: string, text: string): string =>
  `${prefix}-${crypto.createHmac('sha256', key).update(text, 'utf8').digest('hex').slice(0, 12)}`;

/** A patient's pseudonym in this data directory: 'P-' + the first 12 hex digits of HMAC-SHA256(key, patientId). */
export function patientPseudonym(dataDir: string, patientId: string): string {
  return keyedPseudonym(pseudonymKey(dataDir), 'P', patientId);
}
