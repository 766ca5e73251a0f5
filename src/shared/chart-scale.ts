/** Scales and ticks for inline SVG charts: the renderer's (training curves, learning-rate finder, ROC, calibration) and the evaluation report's. */

export type Domain = [number, number];

const finite = (values: Iterable<number | null | undefined>): number[] =>
  [...values].filter((v): v is number => typeof v === 'number' && Number.isFinite(v));

/**
 * The range of the values, widened so a flat series still gets an axis; `include` adds values that must be
 * on the axis (0 for a loss). Log axes drop values ≤ 0, which cannot be placed on them.
 */
export function extent(values: Iterable<number | null | undefined>, { include = [], log = false }: { include?: number[]; log?: boolean } = {}): Domain {
  const all = finite([...values, ...include]).filter((v) => !log || v > 0);
  if (all.length === 0) return log ? [1e-4, 1] : [0, 1];
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (min === max) {
    if (log) [min, max] = [min / 10, max * 10];
    else {
      const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
      [min, max] = [min - pad, max + pad];
    }
  }
  return [min, max];
}

/** Maps the domain linearly onto [from, to] (to < from for a y axis drawn upwards). */
export function linearScale([d0, d1]: Domain, [r0, r1]: Domain): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

export function logScale([d0, d1]: Domain, [r0, r1]: Domain): (v: number) => number {
  const l0 = Math.log10(d0);
  const span = Math.log10(d1) - l0 || 1;
  return (v) => r0 + ((Math.log10(v) - l0) / span) * (r1 - r0);
}

/** A step of 1, 2 or 5 × 10ⁿ giving about `count` intervals over the span (the nearest, on a log scale). */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction >= Math.sqrt(50) ? 10 : fraction >= Math.sqrt(10) ? 5 : fraction >= Math.SQRT2 ? 2 : 1) * power;
}

/** Round-numbered ticks inside the domain, about `count` of them. */
export function niceTicks([min, max]: Domain, count = 5): number[] {
  if (!(max > min)) return [min];
  const step = niceStep(max - min, count);
  const ticks: number[] = [];
  // Multiples of the step; the small tolerance keeps a tick that lands on an end despite float error.
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** Powers of ten inside the domain; with fewer than three of them, 2× and 5× as well. */
export function logTicks([min, max]: Domain): number[] {
  if (!(min > 0 && max > min)) return [];
  const from = Math.floor(Math.log10(min));
  const to = Math.ceil(Math.log10(max));
  const inside = (v: number) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  const powers: number[] = [];
  for (let p = from; p <= to; p++) powers.push(Number((10 ** p).toPrecision(12)));
  const decades = powers.filter(inside);
  if (decades.length >= 3) return decades;
  return powers.flatMap((p) => [p, p * 2, p * 5].map((v) => Number(v.toPrecision(12)))).filter(inside);
}

/** A tick's label: "0.25", "1e-4", "30". */
export function formatTick(value: number, log = false): string {
  if (value === 0) return '0';
  if (log && (Math.abs(value) < 1e-2 || Math.abs(value) >= 1e4)) return value.toExponential(0).replace('+', '');
  return Number(value.toPrecision(6)).toString();
}
