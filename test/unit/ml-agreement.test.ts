import { describe, expect, it } from 'vitest';
import {
  cohenKappa,
  compareRaters,
  fleissCounts,
  fleissKappa,
  percentAgreement,
  raterConfusion,
  referableRates,
  wilsonInterval,
  type PairedGrade,
} from '../../src/main/ml/evaluate/agreement';

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
