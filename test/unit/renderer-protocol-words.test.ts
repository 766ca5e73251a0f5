import { describe, expect, it } from 'vitest';
import { protocolSummary, resettledSentence } from '../../src/renderer/src/lib/protocol/protocol-words';
import { SINGLE_PROTOCOL, type GradingProtocol } from '../../src/shared/protocols';

const double = (protocol: Partial<GradingProtocol>): GradingProtocol => ({
  kind: 'double-blind',
  graders: 2,
  refer: [],
  policy: 'majority',
  queueOrder: 'random',
  ...protocol,
});

describe('the grading protocol summary', () => {
  it('says that under single whoever grades sets the label, in each queue order', () => {
    expect(protocolSummary(SINGLE_PROTOCOL)).toBe(
      "Each image is graded once: whoever grades it sets its label, and graders see the current label and the model's output. " +
        "Each person's work queue lists the images still unlabelled, shuffled for them against order bias.",
    );
    expect(protocolSummary({ ...SINGLE_PROTOCOL, queueOrder: 'file' })).toMatch(/still unlabelled, in file order\.$/);
  });

  it('says that double blind graders are blind until they have graded, and how the final label is found', () => {
    expect(protocolSummary(double({}))).toBe(
      "Each image is graded by 2 graders who do not see each other's grades or the model's output until they have graded. " +
        'Once the 2 grades are in, an image they agree on takes their grade as its final label; when they differ, the grade most of them gave is final, ' +
        'and an image without a majority goes to an adjudicator. ' +
        'An image one grader calls ungradable and another grades always goes to an adjudicator. ' +
        "Each person's work queue lists the images they still owe, shuffled for them against order bias.",
    );
    expect(protocolSummary(double({ graders: 3, policy: 'most-severe', queueOrder: 'file' }))).toBe(
      "Each image is graded by 3 graders who do not see each other's grades or the model's output until they have graded. " +
        'Once the 3 grades are in, an image they agree on takes their grade as its final label; when they differ, the most severe of their grades is final. ' +
        'An image one grader calls ungradable and another grades always goes to an adjudicator. ' +
        "Each person's work queue lists the images they still owe, in file order.",
    );
    expect(protocolSummary(double({ policy: 'adjudicator' }))).toContain('when they differ, an adjudicator decides.');
  });

  it('names the referral rules of double with adjudication, and says when none is chosen', () => {
    expect(protocolSummary(double({ kind: 'double-adjudicated', refer: ['difference-2', 'referable-line'], policy: 'adjudicator' }))).toBe(
      "Each image is graded by 2 graders who do not see each other's grades or the model's output until they have graded. " +
        'An image is referred to an adjudicator on any of: grades two or more steps apart; one grade referable (≥ 2), another not. ' +
        'Once the 2 grades are in, an image they agree on takes their grade as its final label; when they differ otherwise, an adjudicator decides. ' +
        'An image one grader calls ungradable and another grades always goes to an adjudicator. ' +
        "Each person's work queue lists the images they still owe, shuffled for them against order bias.",
    );
    // The ungradable sentence would repeat a chosen rule.
    const withUngradable = protocolSummary(double({ kind: 'double-adjudicated', refer: ['ungradable-vs-graded'], policy: 'most-severe' }));
    expect(withUngradable).toContain('An image is referred to an adjudicator on any of: ungradable for one grader, graded by another.');
    expect(withUngradable).toContain('when they differ otherwise, the most severe of their grades is final.');
    expect(withUngradable).not.toContain('always goes to an adjudicator');
    expect(protocolSummary(double({ kind: 'double-adjudicated', refer: [] }))).toContain('No referral rule is chosen: only the policy below sends an image to an adjudicator.');
  });
});

describe('what saving a protocol did to the final labels', () => {
  it('counts the changed, withdrawn and newly referred final labels', () => {
    expect(resettledSentence({ changed: 3, withdrawn: 1, referred: 1 })).toBe('3 final labels changed, 1 withdrawn, 1 image newly referred for adjudication.');
    expect(resettledSentence({ changed: 1, withdrawn: 0, referred: 2 })).toBe('1 final label changed, 0 withdrawn, 2 images newly referred for adjudication.');
    expect(resettledSentence({ changed: 0, withdrawn: 0, referred: 0 })).toBe('No final label changed.');
  });
});
