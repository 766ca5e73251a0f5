import { describe, expect, it } from 'vitest';
import { GLOSSARY } from '../../src/renderer/src/lib/glossary';

describe('the glossary reachable from ?', () => {
  it('explains every technical term the views use, each in a clinician’s words first', () => {
    const terms = GLOSSARY.map((entry) => entry.term).join(' | ');
    for (const term of ['P(referable)', 'expected grade', 'out-of-fold', 'QWK', 'AUC', 'macro-F1', 'ECE', '−log P', 'confident learning', 'ArcFace', 'Ben Graham', 'UG']) {
      expect(terms, term).toContain(term);
    }
    for (const entry of GLOSSARY) {
      expect(entry.words).not.toBe(entry.term);
      expect(entry.meaning.length).toBeGreaterThan(40);
    }
  });
});
