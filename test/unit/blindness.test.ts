import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { api, type Method } from '../../src/shared/api';
import { BLINDNESS } from '../../src/main/api/blindness';
import { ADMIN_ONLY } from '../../src/main/api/authorization';
import { protocolOutcome, referralRule, SINGLE_PROTOCOL, type GradingProtocol } from '../../src/shared/protocols';

const methods = Object.keys(api) as Method[];

describe('what each call reveals to a blinded grader', () => {
  it('has a decision for every method of the api, so that a new method cannot slip past blind grading', () => {
    expect(methods.filter((method) => !(method in BLINDNESS))).toEqual([]);
    expect(Object.keys(BLINDNESS).filter((method) => !methods.includes(method as Method))).toEqual([]);
  });

  it("refuses other graders' grades, the final label's history and the model's output of an image until it is graded", () => {
    for (const method of ['labels.history', 'predictions.forImage', 'gradcam.render', 'similar.forImage', 'similar.accept'] as const) {
      expect(BLINDNESS[method], method).toBe('image');
    }
    expect(BLINDNESS['images.get']).toBe('image-trimmed');
    for (const method of ['labels.record', 'labels.undo', 'images.setNote', 'images.setUngradable'] as const) expect(BLINDNESS[method], method).toBe('own-work');
  });

  it('refuses to graders every call that shows the labels or model output of many images, exports included', () => {
    expect([BLINDNESS['images.page'], BLINDNESS['images.locate']]).toEqual(['grid', 'grid']);
    for (const method of ['triage.queue', 'triage.locate', 'agreement.summary', 'gradcam.start', 'labels.bulkEffect', 'adjudication.list', 'adjudication.decide'] as const) {
      expect(BLINDNESS[method], method).toBe('project');
    }
    for (const method of methods.filter((m) => m.startsWith('exports.') && m !== 'exports.dicom')) expect(BLINDNESS[method], method).toBe('project');
    for (const method of ['models.get', 'models.evaluate', 'models.compare', 'embeddings.summary'] as const) expect(BLINDNESS[method], method).toBe('model');
  });

  it('leaves the protocol and work queues to everyone and makes setting the protocol an admin call', () => {
    expect([BLINDNESS['queue.list'], BLINDNESS['queue.next'], BLINDNESS['queue.locate'], BLINDNESS['protocol.get']]).toEqual(['nothing', 'nothing', 'nothing', 'nothing']);
    expect(ADMIN_ONLY.has('protocol.set')).toBe(true);
  });

  it('takes a viewer on every call that reveals one image, so the desktop app can name its reader', () => {
    const imageCalls = methods.filter((method) => BLINDNESS[method] === 'image' || BLINDNESS[method] === 'image-trimmed');
    const keys = (method: Method) => Object.keys((z.toJSONSchema(api[method].request, { io: 'input', unrepresentable: 'any' }) as { properties?: object }).properties ?? {});
    expect(imageCalls.length).toBeGreaterThan(4);
    for (const method of imageCalls) expect(keys(method), method).toEqual(expect.arrayContaining(['imageId', 'readerId']));
  });
});

describe('protocol outcomes', () => {
  const adjudicated = (refer: GradingProtocol['refer'], policy: GradingProtocol['policy'] = 'adjudicator', graders = 2): GradingProtocol => ({
    kind: 'double-adjudicated', graders, refer, policy, queueOrder: 'random',
  });
  const grades = (...values: Array<number | 'U'>) => values.map((v) => (v === 'U' ? { ungradable: true as const } : { value: v }));

  it('applies each referral rule', () => {
    expect(referralRule(['difference-2'], grades(0, 2))).toBe('difference-2');
    expect(referralRule(['difference-2'], grades(1, 2))).toBeNull();
    expect(referralRule(['referable-line'], grades(1, 2))).toBe('referable-line');
    expect(referralRule(['referable-line'], grades(2, 4))).toBeNull();
    expect(referralRule(['ungradable-vs-graded'], grades('U', 0))).toBe('ungradable-vs-graded');
    expect(referralRule(['ungradable-vs-graded'], grades('U', 'U'))).toBeNull();
    expect(referralRule(['any-difference'], grades(3, 4))).toBe('any-difference');
    expect(referralRule(['any-difference'], grades(3, 3))).toBeNull();
  });

  it('waits for every grade, then refers or settles by the policy', () => {
    expect(protocolOutcome(adjudicated(['difference-2']), grades(1))).toEqual({ kind: 'pending', graded: 1 });
    expect(protocolOutcome(adjudicated(['difference-2']), grades(0, 3))).toEqual({ kind: 'referred', reason: 'difference-2' });
    expect(protocolOutcome(adjudicated(['difference-2'], 'most-severe'), grades(0, 1))).toEqual({ kind: 'final', value: 1, by: 'most-severe' });
    expect(protocolOutcome(adjudicated(['difference-2'], 'adjudicator'), grades(0, 1))).toEqual({ kind: 'referred', reason: 'adjudicator-policy' });
    expect(protocolOutcome(adjudicated(['difference-2'], 'majority', 3), grades(2, 2, 3))).toEqual({ kind: 'final', value: 2, by: 'majority' });
    expect(protocolOutcome(adjudicated([], 'majority', 3), grades(1, 2, 3))).toEqual({ kind: 'referred', reason: 'no-majority' });
    expect(protocolOutcome(adjudicated(['difference-2']), grades(3, 3))).toEqual({ kind: 'final', value: 3, by: 'agreement' });
    expect(protocolOutcome(adjudicated([]), grades('U', 'U'))).toEqual({ kind: 'final', value: null, by: 'agreement' });
    expect(SINGLE_PROTOCOL.kind).toBe('single');
  });
});
