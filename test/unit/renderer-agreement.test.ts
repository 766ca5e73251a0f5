import { describe, expect, it } from 'vitest';
import type { AgreementSummary, WeeklyAgreement } from '../../src/shared/agreement';
import { changesAgreement, emptySentence, formatKappaInterval, formatPercentInterval, sparklineRuns, trendLines } from '../../src/renderer/src/lib/agreement/agreement';

const summary = (over: Partial<AgreementSummary>): AgreementSummary => ({
  projectId: 1,
  taskKind: 'dr-grade',
  classes: ['0', '1', '2', '3', '4'],
  readers: [],
  pairs: [],
  againstReference: [],
  fleiss: null,
  model: null,
  notes: [],
  ...over,
});

const week = (name: string, kappa: number | null): WeeklyAgreement => ({
  week: name,
  n: 10,
  kappa,
  quadraticKappa: null,
  percentAgreement: 0.5,
  sensitivity: null,
  specificity: null,
  intervals: {},
});

describe('the Agreement view', () => {
  it('shows an interval, says “none” where too few patients gave none, and a dash for an undefined figure', () => {
    expect(formatKappaInterval(0.6, { low: 0.41234, high: 0.8 })).toBe('0.412–0.800');
    expect(formatKappaInterval(1, null)).toBe('none');
    expect(formatKappaInterval(null, undefined)).toBe('—');
    expect(formatPercentInterval(0.7, { low: 0.5, high: 0.85 })).toBe('50.0–85.0%');
  });

  it('measures again for changes of grades, flags, predictions or images of its project, not for other projects or renames', () => {
    expect(changesAgreement({ projectId: 1, imageIds: [5], what: 'labels', eventIds: [9] }, 1)).toBe(true);
    expect(changesAgreement({ projectId: 1, imageIds: [5], what: 'flags' }, 1)).toBe(true);
    expect(changesAgreement({ projectId: 1, imageIds: null, what: 'predictions' }, 1)).toBe(true);
    expect(changesAgreement({ projectId: null, imageIds: null, what: 'images' }, 1)).toBe(true);
    expect(changesAgreement({ projectId: 2, imageIds: [7], what: 'labels' }, 1)).toBe(false);
    expect(changesAgreement({ projectId: 1, imageIds: null, what: 'projects' }, 1)).toBe(false);
  });

  it('says in words why there is nothing to compare', () => {
    expect(emptySentence(summary({}), 'pairs')).toBe('No grader has graded this project yet: there is nothing to compare.');
    expect(emptySentence(summary({ readers: ['Ann'] }), 'pairs')).toBe('Only one grader (Ann) has graded this project: there is no second grader to compare with.');
    expect(emptySentence(summary({ readers: ['Ann', 'Ben'] }), 'pairs')).toBe('No two graders have graded the same image yet.');
    expect(emptySentence(summary({}), 'final')).toMatch(/no active model/);
  });

  it('draws κ by week from −1 at the bottom to 1 at the top, breaking the line where a week has no κ', () => {
    // Width 100, height 20: x at 0, 50, 100 for three weeks; κ 1 → y 0, κ 0 → y 10, κ −1 → y 20.
    expect(sparklineRuns([week('2026-W48', 1), week('2026-W49', 0), week('2026-W50', -1)], 100, 20)).toEqual(['0,0 50,10 100,20']);
    expect(sparklineRuns([week('2026-W48', 0.5), week('2026-W49', null), week('2026-W50', 0)], 100, 20)).toEqual(['0,5', '100,10']);
    expect(sparklineRuns([week('2026-W49', 0)], 100, 20)).toEqual(['50,10']);
  });

  it('follows every pair and grader with weeks over time, the model marked', () => {
    const figures = { n: 10, kappa: 0.5, quadraticKappa: null, percentAgreement: 0.5, intervals: {}, confusion: [] };
    const lines = trendLines(
      summary({
        pairs: [{ readers: ['Ann', 'Ben'], ...figures, overTime: [week('2026-W49', 0.5)] }],
        againstReference: [
          { grader: 'Ann', kind: 'reader', ...figures, sensitivity: null, specificity: null, overTime: [] },
          { grader: 'model A', kind: 'model', ...figures, sensitivity: null, specificity: null, overTime: [week('2026-W49', 0.4)] },
        ],
      }),
    );
    expect(lines.map((l) => [l.who, l.isModel, l.hasRates])).toEqual([['Ann – Ben', false, false], ['model A vs final label', true, true]]);
  });

  it("follows Fleiss' κ by week as a line of its own, with its interval and no other figure", () => {
    const interval = { low: 0.2, high: 0.6 };
    const fleiss = {
      readers: ['Ann', 'Ben', 'Cy'],
      n: 7,
      kappa: 0.4,
      interval,
      overTime: [
        { week: '2026-W48', n: 4, kappa: 0.4, interval },
        { week: '2026-W49', n: 3, kappa: null, interval: null },
      ],
    };
    const [line] = trendLines(summary({ fleiss }));
    expect(line).toMatchObject({ who: 'Fleiss’ κ (Ann, Ben, Cy)', isModel: false, hasRates: false });
    expect(line!.weeks.map((w) => [w.week, w.n, w.kappa, formatKappaInterval(w.kappa, w.intervals.kappa), w.percentAgreement, w.sensitivity])).toEqual([
      ['2026-W48', 4, 0.4, '0.200–0.600', null, null],
      ['2026-W49', 3, null, '—', null, null],
    ]);
    expect(sparklineRuns(line!.weeks, 100, 20)).toEqual(['0,6']);
  });
});
