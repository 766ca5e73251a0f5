/** The reliability diagram's points: one per non-empty bin, mean confidence against accuracy. */
import type { CalibrationBin } from '../../../../shared/ml';

export interface ReliabilityPoint {
  x: number;
  y: number;
  count: number;
  lower: number;
  upper: number;
}

export function reliabilityPoints(bins: readonly CalibrationBin[]): ReliabilityPoint[] {
  return bins.flatMap((bin) =>
    bin.count > 0 && bin.meanConfidence !== null && bin.accuracy !== null
      ? [{ x: bin.meanConfidence, y: bin.accuracy, count: bin.count, lower: bin.lower, upper: bin.upper }]
      : [],
  );
}

/** The largest gap between confidence and accuracy over bins with images: where calibration is worst. */
export function worstBin(bins: readonly CalibrationBin[]): ReliabilityPoint | null {
  let worst: ReliabilityPoint | null = null;
  for (const point of reliabilityPoints(bins)) if (!worst || Math.abs(point.y - point.x) > Math.abs(worst.y - worst.x)) worst = point;
  return worst;
}
