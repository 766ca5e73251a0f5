import { createHash, randomBytes } from 'node:crypto';

/** A secret for a session cookie or a sign-in link: 256 random bits. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/**
 * What the database keeps of a session or link secret: its SHA-256 (a 256-bit random secret needs no
 * slow hash), so that a copy of the database does not sign anyone in.
 */
export const secretDigest = (secret: string): string => createHash('sha256').update(secret).digest('hex');
