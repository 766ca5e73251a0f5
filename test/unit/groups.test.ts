import { describe, expect, it } from 'vitest';
import { groupFromFileStem } from '../../src/main/ingest/groups';

describe('groupFromFileStem', () => {
  it('groups EyePACS left and right eyes of one patient', () => {
    expect(groupFromFileStem('10017_left')).toEqual({ groupId: '10017', eye: 'left' });
    expect(groupFromFileStem('10017_right')).toEqual({ groupId: '10017', eye: 'right' });
  });

  it('reads the eye word case-insensitively', () => {
    expect(groupFromFileStem('10017_LEFT')).toEqual({ groupId: '10017', eye: 'left' });
    expect(groupFromFileStem('10017_Right')).toEqual({ groupId: '10017', eye: 'right' });
  });

  it('reads OD as the right eye and OS as the left eye', () => {
    expect(groupFromFileStem('P042_OD')).toEqual({ groupId: 'P042', eye: 'right' });
    expect(groupFromFileStem('P042_OS')).toEqual({ groupId: 'P042', eye: 'left' });
    expect(groupFromFileStem('P042_od')).toEqual({ groupId: 'P042', eye: 'right' });
  });

  it('keeps underscores inside the patient part', () => {
    expect(groupFromFileStem('site_3_patient_12_left')).toEqual({ groupId: 'site_3_patient_12', eye: 'left' });
  });

  it('makes every other image its own group', () => {
    expect(groupFromFileStem('000c1434d8d7')).toEqual({ groupId: '000c1434d8d7', eye: null });
    expect(groupFromFileStem('ISIC_0027419')).toEqual({ groupId: 'ISIC_0027419', eye: null });
    expect(groupFromFileStem('10017_L')).toEqual({ groupId: '10017_L', eye: null });
    expect(groupFromFileStem('10017left')).toEqual({ groupId: '10017left', eye: null });
    expect(groupFromFileStem('10017_leftover')).toEqual({ groupId: '10017_leftover', eye: null });
    expect(groupFromFileStem('10017-left')).toEqual({ groupId: '10017-left', eye: null });
  });

  it('does not make a group with an empty patient part', () => {
    expect(groupFromFileStem('_left')).toEqual({ groupId: '_left', eye: null });
    expect(groupFromFileStem('left')).toEqual({ groupId: 'left', eye: null });
  });

  it('does not mistake inherited object keys for eye suffixes', () => {
    expect(groupFromFileStem('scan_constructor')).toEqual({ groupId: 'scan_constructor', eye: null });
  });
});
