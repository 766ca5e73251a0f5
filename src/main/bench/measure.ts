/** Small helpers for benchmarks: timings, percentiles, and one line per figure. */

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function timed<T>(work: () => Promise<T> | T): Promise<{ result: T; seconds: number }> {
  const start = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - start) / 1000 };
}

/** Runs `work` `count` times and returns each run's milliseconds. */
export function sampleMs(count: number, work: (i: number) => void): number[] {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    work(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  goal?: string;
  /** Whether the figure meets its goal; undefined when there is no goal. */
  met?: boolean;
}

/** Three decimals below 1 (shares, rates), two below 10, one above. */
const digits = (value: number) => value.toFixed(Math.abs(value) < 1 ? 3 : Math.abs(value) < 10 ? 2 : 1);
const withUnit = (value: number, unit: string) => (unit ? `${digits(value)} ${unit}` : digits(value));

export function printFigure(figure: Figure): void {
  const value = withUnit(figure.value, figure.unit);
  const baseline = figure.baseline
    ? `  | baseline ${figure.baseline.name}: ${withUnit(figure.baseline.value, figure.unit)}, ratio ${(figure.value / figure.baseline.value).toFixed(2)}`
    : '';
  const goal = figure.goal ? `  | goal ${figure.goal}: ${figure.met ? 'met' : 'NOT met'}` : '';
  process.stdout.write(`${figure.name}: ${value}${baseline}${goal}\n`);
}
