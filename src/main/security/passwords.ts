import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (node:crypto's, memory-hard): N = 2^17, r = 8, p = 1 (128 MiB and a few
 * hundred milliseconds per hash, OWASP's recommended minimum), a 16-byte random salt per password, a
 * 32-byte key. The stored text names its parameters (`scrypt$ln=17,r=8,p=1$<salt>$<key>`, base64), so
 * they can be raised later without invalidating the hashes already stored.
 */
export const SCRYPT_PARAMETERS = { log2N: 17, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Stored hashes with larger parameters are refused rather than computed (a damaged or planted row). */
const MAX_LOG2N = 20;

function derive(password: string, salt: Buffer, { log2N, r, p }: { log2N: number; r: number; p: number }): Promise<Buffer> {
  const N = 2 ** log2N;
  // scrypt needs 128·N·r·p bytes; node refuses more than `maxmem` (32 MiB by default).
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * p + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, SCRYPT_PARAMETERS);
  const { log2N, r, p } = SCRYPT_PARAMETERS;
  return `scrypt$ln=${log2N},r=${r},p=${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether the password matches a stored hash; a malformed hash matches nothing. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/**
 * Spends the time of one verification, for a sign-in naming nobody: the answer then takes as long as a
 * wrong password would, so that timing does not tell which names exist.
 */
let decoy: Promise<string> | null = null;
export async function verifyNobody(password: string): Promise<false> {
  decoy ??= hashPassword('no one has this password');
  await verifyPassword(password, await decoy);
  return false;
}

function parseHash(stored: string): { log2N: number; r: number; p: number; salt: Buffer; key: Buffer } | null {
  const match = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!match) return null;
  const [log2N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (log2N < 1 || log2N > MAX_LOG2N || r < 1 || p < 1) return null;
  return { log2N, r, p, salt: Buffer.from(match[4]!, 'base64'), key: Buffer.from(match[5]!, 'base64') };
}
