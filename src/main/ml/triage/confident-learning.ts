// Confident learning (Northcutt, Jiang & Chuang, "Confident Learning: Estimating Uncertainty in Dataset
// Labels", JAIR 2021; cleanlab's find_label_issues with filter_by='confident_learning'): a label is
// doubted when a model that did not train on the example is, for another class, at least as confident
// as it typically is about examples that carry that class.

/** One doubted label. `index` is the example's position in the arrays given. */
export interface LabelIssue {
  index: number;
  given: number;
  /** The class the confident joint counts the example under. */
  likely: number;
  /** p(given): how much the model believes the label; issues are ranked by it, lowest first. */
  selfConfidence: number;
  /** p(likely). */
  likelyProbability: number;
}

export interface ConfidentJoint {
  /** t_j: the mean p_j over examples labelled j; null for a class no example is labelled with. */
  thresholds: Array<number | null>;
  /** counts[given][likely]; examples confident about no class are not counted. */
  counts: number[][];
  /**
   * The off-diagonal examples, lowest self-confidence first (cleanlab's default ranking), and at equal
   * self-confidence (an ordinal head often gives a label exactly 0) the more probable alternative first.
   */
  issues: LabelIssue[];
}

/** cleanlab compares p_j ≥ t_j − 1e-6, so that a class's own typical example is not lost to rounding. */
const TOLERANCE = 1e-6;

/** Per-class thresholds t_j = mean of p_j over the examples labelled j. */
export function classThresholds(probabilities: readonly (readonly number[])[], labels: readonly number[], classCount: number): Array<number | null> {
  checkShapes(probabilities, labels, classCount);
  const sums = new Array<number>(classCount).fill(0);
  const counts = new Array<number>(classCount).fill(0);
  labels.forEach((label, n) => {
    sums[label]! += probabilities[n]![label]!;
    counts[label]!++;
  });
  return sums.map((sum, j) => (counts[j]! > 0 ? sum / counts[j]! : null));
}

/**
 * The confident joint of given labels and likely true classes: each example is counted under the
 * most probable of the classes whose probability reaches that class's threshold. An example whose
 * likely class differs from its label is a label issue. `thresholds` default to those of the same
 * examples; pass others to judge new labels against the thresholds a model was trained with.
 */
export function confidentJoint(
  probabilities: readonly (readonly number[])[],
  labels: readonly number[],
  classCount: number,
  thresholds: ReadonlyArray<number | null> = classThresholds(probabilities, labels, classCount),
): ConfidentJoint {
  checkShapes(probabilities, labels, classCount);
  if (thresholds.length !== classCount) throw new RangeError(`Expected ${classCount} thresholds, got ${thresholds.length}.`);
  const counts = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  const issues: LabelIssue[] = [];
  labels.forEach((given, index) => {
    const p = probabilities[index]!;
    let likely = -1;
    for (let j = 0; j < classCount; j++) {
      const threshold = thresholds[j];
      if (threshold === null || threshold === undefined || p[j]! < threshold - TOLERANCE) continue;
      if (likely < 0 || p[j]! > p[likely]!) likely = j;
    }
    if (likely < 0) return;
    counts[given]![likely]!++;
    if (likely !== given) issues.push({ index, given, likely, selfConfidence: p[given]!, likelyProbability: p[likely]! });
  });
  issues.sort((a, b) => a.selfConfidence - b.selfConfidence || b.likelyProbability - a.likelyProbability || a.index - b.index);
  return { thresholds: [...thresholds], counts, issues };
}

function checkShapes(probabilities: readonly (readonly number[])[], labels: readonly number[], classCount: number): void {
  if (probabilities.length !== labels.length) throw new RangeError(`${probabilities.length} probability rows for ${labels.length} labels.`);
  probabilities.forEach((row, n) => {
    if (row.length !== classCount) throw new RangeError(`Row ${n} has ${row.length} probabilities, expected ${classCount}.`);
  });
  labels.forEach((label, n) => {
    if (!Number.isInteger(label) || label < 0 || label >= classCount) throw new RangeError(`Label ${label} of example ${n} is not a class 0–${classCount - 1}.`);
  });
}
