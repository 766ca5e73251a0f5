// Confidence intervals by resampling patients: each replicate draws as many groups as there are, with
// replacement, and takes every image of each drawn group, since eyes of one patient are not independent.
// Percentile intervals over replicates; a figure undefined in too many replicates gets no interval.
import type { HeadlineMetric, Interval } from '../../../shared/ml';
import { createRandom } from '../../util/random';

export interface BootstrapOptions {
  replicates?: number;
  seed?: number;
  /** The interval's coverage (default 0.95). */
  level?: number;
}

type Figures<Name extends string> = Partial<Record<Name, number | null>>;

/** Fewer replicates on large sets keep a slider-driven re-evaluation under a second. */
export const replicatesFor = (images: number): number => (images <= 2_000 ? 1_000 : 200);

/** A figure must be defined in this share of replicates to get an interval. */
const DEFINED_SHARE = 0.8;

/** Each figure `statistic` returns gets its interval; the figures are named by `Name` (the headline metrics by default). */
export function groupBootstrap<T extends { group: string }, Name extends string = HeadlineMetric>(
  items: readonly T[],
  statistic: (sample: T[]) => Figures<Name>,
  { replicates = replicatesFor(items.length), seed = 1, level = 0.95 }: BootstrapOptions = {},
): Partial<Record<Name, Interval | null>> {
  const byGroup = new Map<string, T[]>();
  for (const item of items) {
    const members = byGroup.get(item.group);
    if (members) members.push(item);
    else byGroup.set(item.group, [item]);
  }
  const groups = [...byGroup.values()];
  if (groups.length < 2) return {};
  const random = createRandom(seed);
  const draws = new Map<Name, number[]>();
  for (let r = 0; r < replicates; r++) {
    const sample: T[] = [];
    for (let g = 0; g < groups.length; g++) sample.push(...groups[random.int(0, groups.length - 1)]!);
    let figures: Figures<Name>;
    try {
      figures = statistic(sample);
    } catch {
      continue; // A replicate where a figure cannot be computed at all (e.g. one class only) counts as undefined.
    }
    for (const [metric, value] of Object.entries(figures) as Array<[Name, number | null]>) {
      if (value === null || !Number.isFinite(value)) continue;
      const values = draws.get(metric);
      if (values) values.push(value);
      else draws.set(metric, [value]);
    }
  }
  const tail = (1 - level) / 2;
  return Object.fromEntries(
    [...draws.entries()].map(([metric, values]) => {
      if (values.length < DEFINED_SHARE * replicates) return [metric, null];
      values.sort((a, b) => a - b);
      return [metric, { low: quantile(values, tail), high: quantile(values, 1 - tail) }];
    }),
  ) as Partial<Record<Name, Interval | null>>;
}

/** Linear interpolation between order statistics (numpy's default). */
function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}
