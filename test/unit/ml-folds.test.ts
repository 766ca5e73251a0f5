import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/main/util/random';
import { groupedHoldout, stratifiedGroupKFold, type FoldItem } from '../../src/main/ml/training/folds';

/** Patients with one or two eyes, grades skewed towards 0 like EyePACS, eyes of one patient usually alike. */
function patients(count: number, seed: number): FoldItem[] {
  const random = createRandom(seed);
  const items: FoldItem[] = [];
  for (let p = 0; p < count; p++) {
    const grade = random.pick([0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 4]);
    const eyes = random.int(1, 2);
    for (let eye = 0; eye < eyes; eye++) {
      items.push({ group: `patient-${p}`, stratum: eye === 1 && random.chance(0.3) ? Math.min(4, grade + 1) : grade });
    }
  }
  return items;
}

const countBy = (items: FoldItem[], keep: (i: number) => boolean, stratum?: number): number =>
  items.filter((item, i) => keep(i) && (stratum === undefined || item.stratum === stratum)).length;

function expectGroupsWhole(items: FoldItem[], assignment: unknown[]): void {
  const seen = new Map<string, unknown>();
  items.forEach((item, i) => {
    if (!seen.has(item.group)) seen.set(item.group, assignment[i]);
    expect(assignment[i], `group ${item.group}`).toBe(seen.get(item.group));
  });
}

describe('stratified group k-fold', () => {
  const items = patients(300, 3);
  const folds = stratifiedGroupKFold(items, 5, 1);

  it('keeps every patient in one fold', () => {
    expect(folds).toHaveLength(items.length);
    expect(new Set(folds)).toEqual(new Set([0, 1, 2, 3, 4]));
    expectGroupsWhole(items, folds);
  });

  it('balances fold sizes and the grade distribution of each fold', () => {
    for (let fold = 0; fold < 5; fold++) {
      const inFold = (i: number) => folds[i] === fold;
      expect(Math.abs(countBy(items, inFold) - items.length / 5)).toBeLessThanOrEqual(3);
      for (let grade = 0; grade <= 4; grade++) {
        const expected = countBy(items, () => true, grade) / 5;
        expect(Math.abs(countBy(items, inFold, grade) - expected), `fold ${fold} grade ${grade}`).toBeLessThanOrEqual(2);
      }
    }
  });

  it('spreads a rare grade evenly over the folds', () => {
    const rare = [...items, ...Array.from({ length: 10 }, (_, k) => ({ group: `rare-${k}`, stratum: 9 }))];
    const rareFolds = stratifiedGroupKFold(rare, 5, 1);
    for (let fold = 0; fold < 5; fold++) expect(countBy(rare, (i) => rareFolds[i] === fold, 9)).toBe(2);
  });

  it('is deterministic for a seed, varies with the seed and ignores item order', () => {
    expect(stratifiedGroupKFold(items, 5, 1)).toEqual(folds);
    expect(stratifiedGroupKFold(items, 5, 2)).not.toEqual(folds);
    const order = items.map((_, i) => i).reverse();
    const reversed = stratifiedGroupKFold(order.map((i) => items[i]!), 5, 1);
    expect(order.map((_, k) => reversed[order.indexOf(k)])).toEqual(folds);
  });

  it('leaves no fold empty when there are just enough groups, even of very different sizes', () => {
    const uneven: FoldItem[] = [
      ...Array.from({ length: 40 }, () => ({ group: 'big', stratum: 0 })),
      { group: 'a', stratum: 0 },
      { group: 'b', stratum: 1 },
      { group: 'c', stratum: 0 },
    ];
    expect(new Set(stratifiedGroupKFold(uneven, 4, 7))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('refuses fewer groups than folds and a bad fold count', () => {
    const two = [
      { group: 'a', stratum: 0 },
      { group: 'a', stratum: 1 },
      { group: 'b', stratum: 0 },
    ];
    expect(() => stratifiedGroupKFold(two, 3, 1)).toThrow('Cannot make 3 folds from 2 patient groups: each fold needs at least one.');
    expect(() => stratifiedGroupKFold([], 2, 1)).toThrow('Cannot make 2 folds from 0 patient groups');
    expect(() => stratifiedGroupKFold(two, 1, 1)).toThrow('The number of folds must be an integer of at least 2 (got 1).');
    expect(() => stratifiedGroupKFold([{ group: 'a', stratum: Number.NaN }], 2, 1)).toThrow(
      'items[0] has stratum NaN, which is not a finite number.',
    );
  });
});

describe('grouped holdout', () => {
  const items = patients(400, 8);

  it('holds out whole patients, about the fraction of items and of each grade', () => {
    for (const fraction of [0.1, 0.2, 0.5]) {
      const heldOut = groupedHoldout(items, fraction, 4);
      expectGroupsWhole(items, heldOut);
      expect(Math.abs(countBy(items, (i) => heldOut[i]!) - fraction * items.length)).toBeLessThanOrEqual(3);
      for (let grade = 0; grade <= 4; grade++) {
        const expected = fraction * countBy(items, () => true, grade);
        expect(Math.abs(countBy(items, (i) => heldOut[i]!, grade) - expected), `${fraction} grade ${grade}`).toBeLessThanOrEqual(2);
      }
    }
  });

  it('is deterministic for a seed and varies with the seed', () => {
    const heldOut = groupedHoldout(items, 0.2, 4);
    expect(groupedHoldout(items, 0.2, 4)).toEqual(heldOut);
    expect(groupedHoldout(items, 0.2, 5)).not.toEqual(heldOut);
  });

  it('holds out at least one group and keeps at least one, whatever the fraction', () => {
    const pair: FoldItem[] = [
      { group: 'a', stratum: 0 },
      { group: 'a', stratum: 0 },
      { group: 'b', stratum: 0 },
      { group: 'b', stratum: 0 },
    ];
    for (const fraction of [0.01, 0.99]) expect(groupedHoldout(pair, fraction, 1).filter(Boolean)).toHaveLength(2);
  });

  it('refuses a fraction outside (0, 1) and a single group', () => {
    expect(() => groupedHoldout(items, 0, 1)).toThrow('The held-out fraction must be between 0 and 1 (got 0).');
    expect(() => groupedHoldout(items, 1, 1)).toThrow('The held-out fraction must be between 0 and 1 (got 1).');
    expect(() => groupedHoldout([{ group: 'a', stratum: 0 }], 0.2, 1)).toThrow(
      'Cannot hold out a patient group from 1 group: at least 2 are needed.',
    );
  });
});
