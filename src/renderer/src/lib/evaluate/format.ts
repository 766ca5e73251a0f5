/**
 * Metrics as Train and Evaluate show them. A metric is never rounded towards looking better: a
 * higher-is-better value is cut down to the shown digits (0.9996 shows as 0.999, not 1.000), a
 * lower-is-better one (ECE) is rounded up. Undefined values show as a dash, never as 0.
 */

export const NONE = '—';

export type Better = 'higher' | 'lower';

const counts = new Intl.NumberFormat('en-US');

export const formatCount = (n: number): string => counts.format(n);

/** "1 image", "312 images". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${formatCount(n)} ${n === 1 ? one : many}`;

const defined = (value: number | null | undefined): value is number => typeof value === 'number' && Number.isFinite(value);

/** `value` to `digits` decimals, rounded in the direction that does not flatter it. */
export function roundUnflattering(value: number, digits: number, better: Better): string {
  const factor = 10 ** digits;
  const scaled = value * factor;
  const nearest = Math.round(scaled);
  // 0.7 * 1000 is 699.9999…: a value that sits on a shown step (up to float error) is shown as that step.
  const onStep = Math.abs(scaled - nearest) < 1e-9 * Math.max(1, Math.abs(scaled));
  const whole = onStep ? nearest : better === 'higher' ? Math.floor(scaled) : Math.ceil(scaled);
  return (whole / factor + 0).toFixed(digits);
}

/** A kappa, AUC, F1 or ECE as a decimal: "0.812", or "—". */
export function formatMetric(value: number | null | undefined, { better = 'higher', digits = 3 }: { better?: Better; digits?: number } = {}): string {
  return defined(value) ? roundUnflattering(value, digits, better) : NONE;
}

/** A rate (sensitivity, accuracy…) as a percentage: "91.3%", or "—". */
export function formatPercent(value: number | null | undefined, { better = 'higher', digits = 1 }: { better?: Better; digits?: number } = {}): string {
  return defined(value) ? `${roundUnflattering(value * 100, digits, better)}%` : NONE;
}

/** A loss, which is not a clinical claim: four significant digits. */
export function formatLoss(value: number | null | undefined): string {
  if (!defined(value)) return NONE;
  return Math.abs(value) >= 1e-3 || value === 0 ? Number(value.toPrecision(4)).toString() : value.toExponential(2);
}

/** A learning rate: "0.003", "3.2e-5". */
export function formatLearningRate(value: number | null | undefined): string {
  if (!defined(value)) return NONE;
  return value >= 1e-3 ? Number(value.toPrecision(3)).toString() : value.toExponential(1).replace('.0e', 'e');
}

/** Seconds an epoch took: "0.84 s", "12 s". */
export function formatSeconds(value: number | null | undefined): string {
  if (!defined(value)) return NONE;
  return value < 10 ? `${Number(value.toPrecision(2))} s` : `${Math.round(value)} s`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const formatDate = (iso: string): string => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
};
