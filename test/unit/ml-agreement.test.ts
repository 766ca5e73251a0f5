import { describe, expect, it } from 'vitest';
import {
  agreementOverTime,
  cohenKappa,
  compareRaters,
  fleissAgreement,
  fleissCounts,
  fleissKappa,
  fleissOverTime,
  percentAgreement,
  raterConfusion,
  referableRates,
  wilsonInterval,
  type PairedGrade,
  type RatedImage,
} from '../../src/main/ml/evaluate/agreement';
import { isoWeek } from '../../src/main/util/iso-week';

/** Two raters' yes (1) / no (0) from a 2×2 table: both yes, a yes b no, a no b yes, both no. */
function fromTwoByTwo(bothYes: number, onlyA: number, onlyB: number, bothNo: number): { a: number[]; b: number[] } {
  const cells: Array<[number, number, number]> = [[bothYes, 1, 1], [onlyA, 1, 0], [onlyB, 0, 1], [bothNo, 0, 0]];
  const a: number[] = [];
  const b: number[] = [];
  for (const [count, x, y] of cells) for (let i = 0; i < count; i++) [a.push(x), b.push(y)];
  return { a, b };
}

describe("Cohen's kappa", () => {
  it('matches the worked example of Wikipedia "Cohen\'s kappa" (20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: p_o 0.7, p_e 0.5, κ 0.4)', () => {
    const { a, b } = fromTwoByTwo(20, 5, 10, 15);
    expect(percentAgreement(a, b)).toBeCloseTo(0.7, 12);
    expect(cohenKappa(a, b, 2)).toBeCloseTo(0.4, 12);
    // With two classes the quadratic weights are the unweighted ones.
    expect(cohenKappa(a, b, 2, 'quadratic')).toBeCloseTo(0.4, 12);
    expect(raterConfusion(a, b, 2)).toEqual([[15, 10], [5, 20]]);
  });

  it('weighs a disagreement by its squared distance with quadratic weights (hand-checked 3-class case)', () => {
    // a = 0,1,2 and b = 0,2,2. Unweighted: p_o 2/3, p_e (1·1 + 1·0 + 1·2)/9 = 1/3, κ = (2/3 − 1/3)/(2/3) = 0.5.
    // Quadratic: observed disagreement 1 (one image one step apart); expected Σ w·row·col/n = (8 + 1 + 2 + 4)/3 = 5; κ = 1 − 1/5 = 0.8.
    expect(cohenKappa([0, 1, 2], [0, 2, 2], 3)).toBeCloseTo(0.5, 12);
    expect(cohenKappa([0, 1, 2], [0, 2, 2], 3, 'quadratic')).toBeCloseTo(0.8, 12);
  });

  it('matches Altman\'s worked example (Practical Statistics for Medical Research, 1991, pp. 403–405: two radiologists, 85 xeromammograms, κ 0.47)', () => {
    // Boyd et al. (1982) as tabled by Altman: rows radiologist A, columns radiologist B; normal, benign, suspected cancer, cancer.
    // Altman gives κ = 0.47; the Stata manual's kap example on the same data (rada, radb) prints agreement 63.53% and κ 0.4728.
    const table = [[21, 12, 0, 0], [4, 17, 1, 0], [3, 9, 15, 2], [0, 0, 0, 1]];
    const a: number[] = [];
    const b: number[] = [];
    table.forEach((row, i) => row.forEach((count, j) => { for (let k = 0; k < count; k++) [a.push(i), b.push(j)]; }));
    expect(a).toHaveLength(85);
    expect(percentAgreement(a, b)).toBeCloseTo(0.6353, 4);
    expect(cohenKappa(a, b, 4)).toBeCloseTo(0.4728, 4);
    expect(raterConfusion(a, b, 4)).toEqual(table);
  });

  it('matches the published quadratic weighted κ of Maple\'s EssayTools[QuadraticWeightedKappa] help page (0.758620689655172 and 0.438095238095238)', () => {
    // The help page's two examples, scores 1–10 (Min and Max taken from the data: 1 and 10), the Kaggle ASAP definition
    // κ = 1 − Σ w·O / Σ w·E with w = (i − j)²/(N − 1)². Scores shifted to class indices 0–9.
    const first = [9, 7, 8, 7, 6, 8, 3, 5, 10].map((s) => s - 1);
    expect(cohenKappa(first, [8, 8, 6, 6, 7, 6, 1, 4, 8].map((s) => s - 1), 10, 'quadratic')).toBeCloseTo(0.758620689655172, 12);
    expect(cohenKappa(first, [3, 5, 6, 6, 7, 6, 1, 4, 8].map((s) => s - 1), 10, 'quadratic')).toBeCloseTo(0.438095238095238, 12);
  });

  it('is 1 for perfect agreement and null, not 1 or 0, when both raters used one class only', () => {
    expect(cohenKappa([0, 1, 2, 3, 4], [0, 1, 2, 3, 4], 5)).toBe(1);
    expect(cohenKappa([0, 1, 2, 3, 4], [0, 1, 2, 3, 4], 5, 'quadratic')).toBe(1);
    expect(cohenKappa([2, 2, 2], [2, 2, 2], 5)).toBeNull();
    expect(cohenKappa([2, 2, 2], [2, 2, 2], 5, 'quadratic')).toBeNull();
  });

  it('refuses raters with no images in common, or different numbers of grades, in words', () => {
    expect(() => cohenKappa([], [], 5)).toThrow(/no images in common/);
    expect(() => percentAgreement([], [])).toThrow(/no images in common/);
    expect(() => cohenKappa([1, 2], [1], 5)).toThrow(/same length/);
    expect(() => cohenKappa([1, 7], [1, 2], 5)).toThrow(/not a class index/);
  });
});

describe("Fleiss' kappa", () => {
  it('matches the worked example of Wikipedia "Fleiss\' kappa" (10 subjects, 14 raters, 5 categories: P̄ 0.378, P̄e 0.213, κ 0.210)', () => {
    const counts = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    expect(fleissKappa(counts)!).toBeCloseTo(0.21, 3);
  });

  it('builds its table from each image\'s ratings; 1 for perfect agreement, null when every rating is one class', () => {
    expect(fleissCounts([[0, 0, 1], [2, 2, 2]], 3)).toEqual([[2, 1, 0], [0, 0, 3]]);
    expect(fleissKappa(fleissCounts([[0, 0, 0], [1, 1, 1], [4, 4, 4]], 5))).toBe(1);
    expect(fleissKappa(fleissCounts([[3, 3, 3], [3, 3, 3]], 5))).toBeNull();
  });

  it('equals Scott\'s π for two raters, and refuses images with different numbers of raters', () => {
    // Two raters, the Wikipedia Cohen table: Scott's π uses pooled margins, (0.7 − 0.5)/(1 − 0.5) here too, since both margins are 25/50 and 30/50 → pooled 0.55, 0.45.
    const { a, b } = fromTwoByTwo(20, 5, 10, 15);
    const pooledChance = 0.55 ** 2 + 0.45 ** 2;
    expect(fleissKappa(fleissCounts(a.map((x, i) => [x, b[i]!]), 2))!).toBeCloseTo((0.7 - pooledChance) / (1 - pooledChance), 12);
    expect(() => fleissKappa([[1, 1], [2, 1]])).toThrow(/same number per image/);
    expect(() => fleissKappa([])).toThrow(/at least one image/);
  });
});

describe('referable DR rates and intervals', () => {
  it('has the Wilson score interval of a proportion, which is never one point', () => {
    // 0 of n: the upper end is z²/(n + z²) = 3.8415/13.8415 for n = 10 (Wilson 1927; Newcombe 1998, method 3).
    expect(wilsonInterval(0, 10).low).toBe(0);
    expect(wilsonInterval(0, 10).high).toBeCloseTo(0.27753, 5);
    expect(wilsonInterval(10, 10).low).toBeCloseTo(1 - 0.27753, 5);
    // 7 of 10, hand-checked: centre (0.7 + 0.19207)/1.38415 = 0.64449, half-width 1.96·√(0.021 + 0.00960)/1.38415 = 0.24772.
    expect(wilsonInterval(7, 10).low).toBeCloseTo(0.39678, 4);
    expect(wilsonInterval(7, 10).high).toBeCloseTo(0.89221, 4);
    expect(() => wilsonInterval(3, 0)).toThrow(/at least one trial/);
  });


  it('counts grade ≥ 2 as referable in both the grader and the reference', () => {
    // Reference referable on images 2, 3, 4 (grades 2, 3, 4); the grader calls 3 and 4 (not the 1 on image 2) and also image 1 (grade 2 for a 1).
    expect(referableRates([0, 2, 1, 3, 4], [0, 1, 2, 3, 4])).toEqual({ sensitivity: 2 / 3, specificity: 1 / 2 });
    expect(referableRates([0, 1], [0, 1])).toEqual({ sensitivity: null, specificity: 1 });
  });

  it('gives every figure with an interval around it, the same for the same data, and none where a figure is undefined', () => {
    const pairs: PairedGrade[] = Array.from({ length: 60 }, (_, i) => ({ group: `p${Math.floor(i / 2)}`, a: i % 5, b: i % 7 === 0 ? (i + 1) % 5 : i % 5 }));
    const result = compareRaters(pairs, { classCount: 5, ordered: true, referable: true });
    expect(result.n).toBe(60);
    for (const name of ['kappa', 'quadraticKappa', 'percentAgreement', 'sensitivity', 'specificity'] as const) {
      const interval = result.intervals[name]!;
      expect(interval.low).toBeLessThanOrEqual(result[name]!);
      expect(interval.high).toBeGreaterThanOrEqual(result[name]!);
    }
    expect(result.intervals.kappa!.high - result.intervals.kappa!.low).toBeGreaterThan(0.02);
    expect(compareRaters(pairs, { classCount: 5, ordered: true, referable: true })).toEqual(result);

    const unordered = compareRaters(pairs, { classCount: 5, ordered: false, referable: false });
    expect(unordered.quadraticKappa).toBeNull();
    expect(unordered.intervals.quadraticKappa).toBeUndefined();
    expect(unordered.sensitivity).toBeNull();
  });

  it('gives κ no interval from one patient, a proportion its Wilson interval, and wider ones from fewer images', () => {
    const onePatient = compareRaters([{ group: 'p', a: 0, b: 0 }, { group: 'p', a: 2, b: 1 }], { classCount: 5, ordered: true, referable: true });
    expect(onePatient.n).toBe(2);
    expect(onePatient.intervals.kappa).toBeUndefined();
    expect(onePatient.intervals.percentAgreement).toEqual(wilsonInterval(1, 2));
    // Perfect agreement on few patients: every replicate gives κ 1 and 100%, which says nothing about the uncertainty.
    const perfect = compareRaters([0, 1, 2, 3, 4].map((g) => ({ group: `p${g}`, a: g, b: g })), { classCount: 5, ordered: true, referable: true });
    expect(perfect.kappa).toBe(1);
    expect(perfect.intervals.kappa).toBeNull();
    expect(perfect.intervals.percentAgreement).toEqual(wilsonInterval(5, 5));
    expect(perfect.intervals.percentAgreement!.low).toBeLessThan(0.6);
    const grades = (n: number): PairedGrade[] => Array.from({ length: n }, (_, i) => ({ group: `p${i}`, a: i % 3, b: i % 4 === 0 ? (i + 1) % 3 : i % 3 }));
    const width = (pairs: PairedGrade[]) => {
      const { low, high } = compareRaters(pairs, { classCount: 3, ordered: true, referable: false }).intervals.kappa!;
      return high - low;
    };
    expect(width(grades(20))).toBeGreaterThan(width(grades(400)));
  });
});

describe('agreement over time', () => {
  it('names ISO 8601 weeks as the standard does, across the turn of the year (examples of Wikipedia "ISO week date")', () => {
    // "2008-12-29 is written 2009-W01-1"; "2010-01-03 is written 2009-W53-7"; "2005-01-01 is written 2004-W53-6"; "2007-01-01 is 2007-W01-1".
    expect(isoWeek('2008-12-29T10:00:00.000Z')).toBe('2009-W01');
    expect(isoWeek('2010-01-03T23:59:59.000Z')).toBe('2009-W53');
    expect(isoWeek('2005-01-01T00:00:00.000Z')).toBe('2004-W53');
    expect(isoWeek('2007-01-01T00:00:00.000Z')).toBe('2007-W01');
    expect(() => isoWeek('not a date')).toThrow(/not a date/);
  });

  it('gives each week the κ of the pairs dated in it, oldest week first, and leaves undated pairs out', () => {
    // Week 1 (Monday 2026-11-23 to Sunday 11-29) holds the Wikipedia Cohen table; week 2 perfect agreement on five images.
    const { a, b } = fromTwoByTwo(20, 5, 10, 15);
    const early: PairedGrade[] = a.map((x, i) => ({ group: `p${i}`, a: x, b: b[i]!, at: i % 2 ? '2026-11-23T08:00:00.000Z' : '2026-11-29T22:00:00.000Z' }));
    const late: PairedGrade[] = [0, 1, 0, 1, 1].map((x, i) => ({ group: `q${i}`, a: x, b: x, at: '2026-12-01T09:00:00.000Z' }));
    const undated: PairedGrade = { group: 'r', a: 0, b: 1 };
    const weeks = agreementOverTime([...late, undated, ...early], { classCount: 2, ordered: true, referable: true });
    expect(weeks.map((w) => [w.week, w.n])).toEqual([['2026-W48', 50], ['2026-W49', 5]]);
    expect(weeks[0]!.kappa).toBeCloseTo(0.4, 12);
    expect(weeks[0]!.percentAgreement).toBeCloseTo(0.7, 12);
    expect(weeks[0]!.intervals.kappa!.low).toBeLessThan(0.4);
    expect(weeks[0]!.intervals.kappa!.high).toBeGreaterThan(0.4);
    expect(weeks[1]!.kappa).toBe(1);
    // Two classes (0, 1): no final label is referable (≥ 2), so sensitivity is undefined and specificity 5 of 5.
    expect(weeks[1]).toMatchObject({ sensitivity: null, specificity: 1 });
  });

  it('gives each week referable sensitivity and specificity against the final label, with intervals, and none between two readers', () => {
    // Week 48: the final label (b) is referable on three images, the grader calls two of them (sensitivity 2/3); of the three
    // others the grader calls one referable (a 2 for a 1: specificity 2/3). Week 49: no referable final label, both called not referable.
    const week48: PairedGrade[] = [[0, 0], [2, 1], [3, 3], [1, 2], [4, 4], [0, 0]].map(([a, b], i) => ({ group: `p${i}`, a: a!, b: b!, at: '2026-11-24T10:00:00.000Z' }));
    const week49: PairedGrade[] = [[0, 0], [1, 0]].map(([a, b], i) => ({ group: `q${i}`, a: a!, b: b!, at: '2026-12-02T10:00:00.000Z' }));
    const [first, second] = agreementOverTime([...week48, ...week49], { classCount: 5, ordered: true, referable: true });
    expect(first).toMatchObject({ week: '2026-W48', n: 6, sensitivity: 2 / 3, specificity: 2 / 3 });
    for (const name of ['sensitivity', 'specificity'] as const) {
      const interval = first!.intervals[name]!;
      // At least as wide as the Wilson interval of 2 of 3, and around the figure.
      expect(interval.low).toBeLessThanOrEqual(wilsonInterval(2, 3).low);
      expect(interval.high).toBeGreaterThanOrEqual(wilsonInterval(2, 3).high);
    }
    expect(second).toMatchObject({ week: '2026-W49', n: 2, sensitivity: null, specificity: 1 });
    expect(second!.intervals.sensitivity).toBeUndefined();
    expect(second!.intervals.specificity).toEqual(wilsonInterval(2, 2));
    // Two readers have no final label between them: no rates.
    const betweenReaders = agreementOverTime(week48, { classCount: 5, ordered: true, referable: false });
    expect(betweenReaders[0]).toMatchObject({ sensitivity: null, specificity: null });
    expect(betweenReaders[0]!.intervals).not.toHaveProperty('sensitivity');
  });

  it("gives Fleiss' κ per week as worked out by hand, each week with its interval, and leaves undated images out", () => {
    // Week 48, three raters, two classes: [0,0,0] and [1,1,1] agree (P_i = 1), [0,0,1] and [1,1,0] split 2–1
    // (P_i = (4 + 1 − 3)/6 = 1/3): P̄ = (1 + 1 + 1/3 + 1/3)/4 = 2/3. Each class holds 6 of 12 ratings: P̄e = 0.5.
    // κ = (2/3 − 1/2)/(1 − 1/2) = 1/3. Week 49: three images every rater put in the same class, two classes used: κ = 1.
    const week48: RatedImage[] = [[0, 0, 0], [1, 1, 1], [0, 0, 1], [1, 1, 0]].map((ratings, i) => ({ group: `p${i}`, ratings, at: '2026-11-26T15:00:00.000Z' }));
    const week49: RatedImage[] = [[0, 0, 0], [1, 1, 1], [1, 1, 1]].map((ratings, i) => ({ group: `q${i}`, ratings, at: '2026-11-30T08:00:00.000Z' }));
    const undated: RatedImage = { group: 'r', ratings: [0, 1, 1] };
    const weeks = fleissOverTime([...week49, undated, ...week48], 2);
    expect(weeks.map((w) => [w.week, w.n])).toEqual([['2026-W48', 4], ['2026-W49', 3]]);
    expect(weeks[0]!.kappa).toBeCloseTo(1 / 3, 12);
    expect(weeks[0]!.kappa).toBeCloseTo(fleissKappa(fleissCounts(week48.map((image) => image.ratings), 2))!, 12);
    expect(weeks[0]!.interval!.low).toBeLessThan(1 / 3);
    expect(weeks[0]!.interval!.high).toBeGreaterThan(1 / 3);
    // Perfect agreement in every replicate: an interval of one point says nothing, so there is none.
    expect(weeks[1]).toMatchObject({ kappa: 1, interval: null });
    // The whole is the same statistic over all the dated and undated images.
    expect(fleissAgreement([...week48, ...week49, undated], 2).n).toBe(8);
  });
});
