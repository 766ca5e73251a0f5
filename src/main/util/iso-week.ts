// The ISO 8601 week of a moment (in UTC): weeks start on Monday, and week 1 is the one holding the year's
// first Thursday, so the first days of January can belong to the last week of the year before.

const DAY_MS = 86_400_000;

/** `2026-W49` for any moment of that week; `at` is an ISO timestamp or anything `Date` reads. */
export function isoWeek(at: string | Date): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) throw new Error(`"${String(at)}" is not a date.`);
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(midnight + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}
