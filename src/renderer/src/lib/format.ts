/** Counts, rates and durations as every view shows them. */

const counts = new Intl.NumberFormat('en-US');

/** 1234 → "1,234". */
export const formatCount = (n: number): string => counts.format(n);

/** Items per second: "56/s", or "2.5/s" when slow enough for the decimal to matter. */
export function formatRate(perSecond: number): string {
  return `${perSecond >= 10 ? Math.round(perSecond) : perSecond.toFixed(1)}/s`;
}

/** A time left or taken: "45s", "1m 07s", "2h 05m". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m ${pad(total % 60)}s`;
  return `${Math.floor(total / 3600)}h ${pad(Math.floor((total % 3600) / 60))}m`;
}

/** "1 image", "3 images". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${formatCount(n)} ${n === 1 ? one : many}`;
