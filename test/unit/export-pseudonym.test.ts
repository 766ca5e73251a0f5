import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AS_RECORDED, deidentifiedNaming, REMOVED_TEXT } from '../../src/main/export/naming';
import { patientPseudonym, pseudonymKey, PSEUDONYM_KEY_FILE } from '../../src/main/export/pseudonym';
import { GradedeskError } from '../../src/shared/errors';

let dataDir: string;
beforeEach(() => void (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-pseudonym-'))));
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('patientPseudonym', () => {
  it('is P- and the first 12 hex digits of HMAC-SHA256 under the data directory\'s key, made on first use readable by its owner only', () => {
    const pseudonym = patientPseudonym(dataDir, '10017');
    const keyFile = path.join(dataDir, PSEUDONYM_KEY_FILE);
    const key = fs.readFileSync(keyFile);
    expect(key).toHaveLength(32);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(pseudonym).toBe(`P-${crypto.createHmac('sha256', key).update('10017').digest('hex').slice(0, 12)}`);
    expect(patientPseudonym(dataDir, '10017')).toBe(pseudonym);
    expect(patientPseudonym(dataDir, '10018')).not.toBe(pseudonym);
    // No draft is left beside the key.
    expect(fs.readdirSync(dataDir)).toEqual([PSEUDONYM_KEY_FILE]);
  });

  it('differs between data directories, whose keys differ', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-pseudonym-'));
    try {
      expect(patientPseudonym(other, '10017')).not.toBe(patientPseudonym(dataDir, '10017'));
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses a damaged key in words, and keeps it', () => {
    fs.writeFileSync(path.join(dataDir, PSEUDONYM_KEY_FILE), 'short');
    expect(() => pseudonymKey(dataDir)).toThrow(GradedeskError);
    expect(() => pseudonymKey(dataDir)).toThrow(/pseudonym key .* is damaged \(5 bytes instead of 32\)/);
    expect(fs.readFileSync(path.join(dataDir, PSEUDONYM_KEY_FILE), 'utf8')).toBe('short');
  });
});

describe('export naming', () => {
  const image = { imageId: 7, stem: 'MRN1_left', fileName: 'MRN1_left.JPG', groupId: 'MRN1', eye: 'left' as const, ungradable: false };

  it('as recorded changes nothing', () => {
    expect(AS_RECORDED.image(image)).toBe(image);
    expect([AS_RECORDED.reader('Dr A'), AS_RECORDED.time('2026-12-04T10:00:00Z'), AS_RECORDED.freeText('a note')]).toEqual(['Dr A', '2026-12-04T10:00:00Z', 'a note']);
  });

  it('de-identified names the image, its patient and readers by pseudonyms, keeps the year and the image extension, and removes free text', () => {
    const naming = deidentifiedNaming(dataDir);
    const named = naming.image(image);
    expect(named).toMatchObject({ imageId: 7, eye: 'left', ungradable: false, groupId: patientPseudonym(dataDir, 'MRN1') });
    expect(named.stem).toMatch(/^I-[0-9a-f]{12}$/);
    expect(named.fileName).toBe(`${named.stem}.jpg`);
    expect(naming.image({ ...image, fileName: 'Smith.John' }).fileName).toBe(named.stem);
    expect(deidentifiedNaming(dataDir).image(image)).toEqual(named);
    expect(naming.reader('Dr A')).toMatch(/^R-[0-9a-f]{12}$/);
    expect(naming.reader('Dr A')).not.toBe(naming.reader('Dr B'));
    expect([naming.reader(null), naming.time('2026-12-04T10:00:00Z'), naming.time(null)]).toEqual([null, '2026', null]);
    expect([naming.freeText('Mrs Jones'), naming.freeText(''), naming.freeText(null)]).toEqual([REMOVED_TEXT, '', null]);
  });
});

describe('a data folder the key cannot be written to', () => {
  it.skipIf(process.getuid?.() === 0)('says so in words', () => {
    fs.chmodSync(dataDir, 0o500);
    try {
      expect(() => patientPseudonym(dataDir, '10017')).toThrow(GradedeskError);
      expect(() => patientPseudonym(dataDir, '10017')).toThrow(/not allowed to write/);
    } finally {
      fs.chmodSync(dataDir, 0o700);
    }
  });
});
