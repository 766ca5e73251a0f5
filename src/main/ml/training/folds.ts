// Cross-validation splits that never split a patient: all images of a group land in the same fold,
// so no patient is seen in both training and validation.

import { createRandom } from '../../util/random';

export interface FoldItem {
  /** Patient (or other unit) whose images must stay together. */
  group: string;
  /** What the folds should be balanced on, usually the grade. */
  stratum: number;
}

/**
 * The fold (0..folds-1) of each item. Greedy like sklearn's StratifiedGroupKFold: groups are shuffled with the
 * seed, stably sorted by the spread (std) of their stratum counts, most uneven first, and each goes to the fold
 * that leaves the stratum distribution across folds most even (ties: the fold with fewest items). Groups are
 * ordered by name before shuffling, so the result depends on the seed and the items, not on their order.
 */
export function stratifiedGroupKFold(items: FoldItem[], folds: number, seed: number): number[] {
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`The number of folds must be an integer of at least 2 (got ${folds}).`);
  checkItems(items);
  const groups = new Set(items.map((item) => item.group)).size;
  if (groups < folds) {
    throw new Error(`Cannot make ${folds} folds from ${groups} patient group${groups === 1 ? '' : 's'}: each fold needs at least one.`);
  }
  return assignGroups(items, new Array<number>(folds).fill(1 / folds), seed);
}

/** True for held-out items: whole groups, about `fraction` of the items and of each stratum, chosen as for the folds. */
export function groupedHoldout(items: FoldItem[], fraction: number, seed: number): boolean[] {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`The held-out fraction must be between 0 and 1 (got ${fraction}).`);
  checkItems(items);
  const groups = new Set(items.map((item) => item.group)).size;
  if (groups < 2) throw new Error(`Cannot hold out a patient group from ${groups} group${groups === 1 ? '' : 's'}: at least 2 are needed.`);
  return assignGroups(items, [fraction, 1 - fraction], seed).map((bin) => bin === 0);
}

/**
 * Greedy assignment of groups to bins with target shares. A bin's fill for a stratum is its count divided by
 * the count it should get (total x share); imbalance is the mean over strata of the std of fill across bins.
 * With equal shares this ranks bins exactly as sklearn does. When as many groups remain as bins are empty,
 * the remaining groups go to the empty bins, so no bin ends up empty.
 */
function assignGroups(items: FoldItem[], shares: number[], seed: number): number[] {
  const strata = [...new Set(items.map((item) => item.stratum))].sort((a, b) => a - b);
  const stratumIndex = new Map(strata.map((stratum, i) => [stratum, i]));
  const zeros = () => new Array<number>(strata.length).fill(0);

  const countsByGroup = new Map<string, number[]>();
  const totals = zeros();
  for (const { group, stratum } of items) {
    const counts = countsByGroup.get(group) ?? zeros();
    counts[stratumIndex.get(stratum)!]! += 1;
    countsByGroup.set(group, counts);
    totals[stratumIndex.get(stratum)!]! += 1;
  }

  const order = shuffle([...countsByGroup.keys()].sort(), seed);
  const spread = new Map(order.map((group) => [group, std(countsByGroup.get(group)!)]));
  order.sort((a, b) => spread.get(b)! - spread.get(a)!); // stable: the shuffle decides ties

  const binCounts = shares.map(zeros);
  const binOfGroup = new Map<string, number>();
  order.forEach((group, position) => {
    const counts = countsByGroup.get(group)!;
    const empty = shares.flatMap((_, b) => (sum(binCounts[b]!) === 0 ? [b] : []));
    const candidates = order.length - position <= empty.length ? empty : shares.map((_, b) => b);
    let [best, bestImbalance, bestFill] = [-1, Infinity, Infinity];
    for (const b of candidates) {
      add(binCounts[b]!, counts, 1);
      const value = imbalance(binCounts, totals, shares);
      add(binCounts[b]!, counts, -1);
      const fill = sum(binCounts[b]!) / shares[b]!;
      const tied = Math.abs(value - bestImbalance) <= 1e-9;
      if ((!tied && value < bestImbalance) || (tied && fill < bestFill)) [best, bestImbalance, bestFill] = [b, value, fill];
    }
    add(binCounts[best]!, counts, 1);
    binOfGroup.set(group, best);
  });
  return items.map((item) => binOfGroup.get(item.group)!);
}

function imbalance(binCounts: number[][], totals: number[], shares: number[]): number {
  const perStratum = totals.map((total, s) => std(binCounts.map((counts, b) => counts[s]! / (total * shares[b]!))));
  return sum(perStratum) / perStratum.length;
}

function shuffle<T>(items: T[], seed: number): T[] {
  const random = createRandom(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function checkItems(items: FoldItem[]): void {
  items.forEach((item, i) => {
    if (typeof item.group !== 'string') throw new Error(`items[${i}] has no patient group.`);
    if (!Number.isFinite(item.stratum)) throw new Error(`items[${i}] has stratum ${item.stratum}, which is not a finite number.`);
  });
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Population standard deviation, as numpy's default. */
function std(xs: number[]): number {
  const mean = sum(xs) / xs.length;
  return Math.sqrt(sum(xs.map((x) => (x - mean) ** 2)) / xs.length);
}

function add(target: number[], counts: number[], sign: 1 | -1): void {
  counts.forEach((n, s) => (target[s]! += sign * n));
}
