import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, SCRYPT_PARAMETERS, verifyNobody, verifyPassword } from '../../src/main/security/passwords';
import { SignInLimiter } from '../../src/main/bridge/sign-in-limiter';

describe('the password KDF wrapper (scrypt)', () => {
  it('stores its parameters, a fresh salt and the key, and the key is scrypt of the password with that salt', async () => {
    const stored = await hashPassword('correct horse battery');
    const [kind, parameters, salt, key] = stored.split('$');
    expect(kind).toBe('scrypt');
    expect(parameters).toBe(`ln=${SCRYPT_PARAMETERS.log2N},r=${SCRYPT_PARAMETERS.r},p=${SCRYPT_PARAMETERS.p}`);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    // Recomputed independently: node's scrypt with the documented parameters (128 MiB of memory).
    const expected = scryptSync('correct horse battery', Buffer.from(salt!, 'base64'), 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
    expect(Buffer.from(key!, 'base64').equals(expected)).toBe(true);
  });

  it('accepts the right password and refuses a wrong one, one differing only in case, or an empty one', async () => {
    const stored = await hashPassword('Tr0ub4dor&3 long');
    expect(await verifyPassword('Tr0ub4dor&3 long', stored)).toBe(true);
    expect(await verifyPassword('tr0ub4dor&3 long', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts each hash, so one password stored twice gives two different hashes that both verify', async () => {
    const [first, second] = await Promise.all([hashPassword('same password here'), hashPassword('same password here')]);
    expect(first).not.toBe(second);
    expect(await verifyPassword('same password here', first)).toBe(true);
    expect(await verifyPassword('same password here', second)).toBe(true);
  });

  it('treats composed and decomposed accents as one password (NFC)', async () => {
    const stored = await hashPassword('caf\u00e9 au lait!');
    expect(await verifyPassword('cafe\u0301 au lait!', stored)).toBe(true);
  });

  it('refuses malformed hashes and absurd parameters without computing them', async () => {
    const stored = await hashPassword('a fine password');
    expect(await verifyPassword('a fine password', 'plain-text-password')).toBe(false);
    expect(await verifyPassword('a fine password', stored.replace('ln=17', 'ln=30'))).toBe(false);
    expect(await verifyPassword('a fine password', stored.slice(0, -4))).toBe(false);
  });

  it('spends a verification for nobody and answers false', async () => {
    expect(await verifyNobody('anything')).toBe(false);
  });
});

describe('the sign-in limiter', () => {
  const limits = { perAccount: 3, perAddress: 5, windowMs: 60_000 };

  it('blocks an account after its failures, any case, until the window ends', () => {
    let now = 1_000_000;
    const limiter = new SignInLimiter(limits, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.waitSeconds('Ana', '10.0.0.1')).toBe(0);
      limiter.recordFailure('ana', `10.0.0.${i + 1}`);
    }
    expect(limiter.waitSeconds(' ANA ', '10.0.0.9')).toBe(60);
    expect(limiter.waitSeconds('Ben', '10.0.0.9')).toBe(0);
    now += 60_000;
    expect(limiter.waitSeconds('Ana', '10.0.0.9')).toBe(0);
  });

  it('blocks an address guessing at many names, and a success clears only its account', () => {
    const now = 5_000;
    const limiter = new SignInLimiter(limits, () => now);
    for (const name of ['a', 'b', 'c', 'd']) limiter.recordFailure(name, '192.0.2.7');
    limiter.recordFailure('a', '192.0.2.7');
    expect(limiter.waitSeconds('e', '192.0.2.7')).toBe(60);
    expect(limiter.waitSeconds('e', '192.0.2.8')).toBe(0);
    limiter.recordFailure('f', '198.51.100.1');
    limiter.recordFailure('f', '198.51.100.1');
    limiter.recordSuccess('F');
    limiter.recordFailure('f', '198.51.100.1');
    expect(limiter.waitSeconds('f', '198.51.100.2')).toBe(0);
  });
});
