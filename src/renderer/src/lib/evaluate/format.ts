/**
 * Metrics as Train and Evaluate show them: rounded to the nearest shown digit (49/59 = 0.83051 shows as
 * 83.1%), as a reader checking the figure by hand would round it. Undefined values show as a dash, never as 0.
 */

export const NONE = '—';


const defined = (value: number | null | undefined): value is number => typeof value === 'number' && Number.isFinite(value);

/** `value` to `digits` decimals, halves away from zero, with no "-0.000". */
export function roundTo(value: number, digits: number): string {
  const factor = 10 ** digits;
  const scaled = value * factor;
  // 0.8305 * 1000 is 830.4999…: a value within float error of a half is rounded as that half.
  const nudged = scaled + Math.sign(scaled) * 1e-9 * Math.max(1, Math.abs(scaled));
  const whole = Math.sign(nudged) * Math.round(Math.abs(nudged));
  return (whole / factor + 0).toFixed(digits);
}

/** A kappa, AUC, F1 or ECE as a decimal: "0.812", or "—". */
export function formatMetric(value: number | null | undefined, { digits = 3 }: { digits?: number } = {}): string {
  return defined(value) ? roundTo(value, digits) : NONE;
}

/** A rate (sensitivity, accuracy…) as a percentage: "91.3%", or "—". */
export function formatPercent(value: number | null | undefined, { digits = 1 }: { digits?: number } = {}): string {
  return defined(value) ? `${roundTo(value * 100, digits)}%` : NONE;
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
