import type { ScheduleKind } from '../../../shared/ml';

/**
 * The learning rate at a training step. One-cycle (Smith 2018): a cosine rise from peak/25 over the
 * first 30% of steps, then a cosine fall to peak/10⁴. Step: divide by 10 after each third of the run.
 */
export function learningRateAt(schedule: ScheduleKind, peak: number, step: number, totalSteps: number): number {
  const progress = totalSteps <= 1 ? 0 : Math.min(1, step / (totalSteps - 1));
  if (schedule === 'constant') return peak;
  if (schedule === 'step') return peak * 0.1 ** Math.min(2, Math.floor(progress * 3));
  const warmup = 0.3;
  const cosine = (from: number, to: number, t: number) => to + ((from - to) * (1 + Math.cos(Math.PI * t))) / 2;
  return progress < warmup ? cosine(peak / 25, peak, progress / warmup) : cosine(peak, peak / 1e4, (progress - warmup) / (1 - warmup));
}

/** The learning-rate finder's sweep: rates growing geometrically from `from` to `to`. */
export function learningRateSweep(from: number, to: number, steps: number): number[] {
  return Array.from({ length: steps }, (_, i) => from * (to / from) ** (i / Math.max(1, steps - 1)));
}

/**
 * Where to train, from a finder's curve: one tenth of the rate at the smoothed loss's minimum, the
 * usual "valley" reading; null when the loss never fell.
 */
export function suggestLearningRate(points: ReadonlyArray<{ learningRate: number; loss: number }>): number | null {
  if (points.length < 5) return null;
  let best = 0;
  for (let i = 1; i < points.length; i++) if (points[i]!.loss < points[best]!.loss) best = i;
  if (best === 0 || points[best]!.loss >= points[0]!.loss * 0.98) return null;
  return points[best]!.learningRate / 10;
}
