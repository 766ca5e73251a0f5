// The honest account of a model: metrics on images it did not train on (out-of-fold or held out).
import { REFERABLE_GRADE, type LabelValue, type TaskKind } from '../../../shared/domain';
import { headlineFigures, type ClassRates, type Evaluation, type HeadKind } from '../../../shared/ml';
import { groupBootstrap } from './bootstrap';
import {
  accuracy,
  balancedAccuracy,
  calibration,
  confusionMatrix,
  f1Score,
  macroF1,
  perClassRates,
  quadraticWeightedKappa,
  ratesAtThreshold,
  rocCurve,
} from './metrics';

export interface EvaluatedImage {
  label: LabelValue;
  group: string;
  probabilities: number[] | null;
  predicted: LabelValue;
  /** Regression: the regressed grade. */
  expected: number | null;
  referable: number | null;
}

export interface EvaluationRequest {
  taskKind: TaskKind;
  head: HeadKind;
  classes: string[];
  basis: Evaluation['basis'];
  images: readonly EvaluatedImage[];
  /** Multilabel per-label thresholds, shown in the per-class table. */
  thresholds?: readonly number[] | null;
  /** Referable operating point (probability, or regressed grade / (classes − 1)). */
  threshold?: number;
}

/** The model's figures on these images, each headline figure with its 95% interval over patients. */
export function evaluate(request: EvaluationRequest): Evaluation {
  const evaluation = measure(request);
  if (request.images.length === 0) return evaluation;
  return { ...evaluation, intervals: groupBootstrap(request.images, (sample) => headlineFigures(measure({ ...request, images: sample }))) };
}

/** The figures alone, without intervals. */
export function measure(request: EvaluationRequest): Evaluation {
  const { images, classes } = request;
  const base = { basis: request.basis, samples: images.length, groups: new Set(images.map((i) => i.group)).size, classes };
  if (images.length === 0) {
    return { ...base, confusion: null, perClass: [], qwk: null, accuracy: null, balancedAccuracy: null, macroF1: null, referable: null, calibration: null };
  }
  return request.taskKind === 'multilabel' ? multilabel(request, base) : singleLabel(request, base);
}

type Base = Pick<Evaluation, 'basis' | 'samples' | 'groups' | 'classes'>;

function singleLabel(request: EvaluationRequest, base: Base): Evaluation {
  const { images, classes } = request;
  const truth = images.map((i) => i.label as number);
  const predicted = images.map((i) => i.predicted as number);
  const confusion = confusionMatrix(truth, predicted, classes.length);
  const perClass: ClassRates[] = perClassRates(confusion).map((rates, k) => ({ name: classes[k]!, ...rates }));
  const withProbabilities = images.filter((i) => i.probabilities);
  return {
    ...base,
    confusion,
    perClass,
    // Kappa's quadratic weights assume ordered classes: grades, not dermoscopy diagnoses.
    qwk: request.taskKind === 'dr-grade' ? quadraticWeightedKappa(truth, predicted, classes.length) : null,
    accuracy: accuracy(truth, predicted),
    balancedAccuracy: balancedAccuracy(truth, predicted, classes.length),
    macroF1: macroF1(oneHot(truth, classes.length), oneHot(predicted, classes.length)),
    referable: request.taskKind === 'dr-grade' ? referable(request) : null,
    calibration:
      withProbabilities.length === 0
        ? null
        : calibration(
            withProbabilities.map((i) => Math.max(...i.probabilities!)),
            withProbabilities.map((i) => i.predicted === i.label),
          ),
  };
}

function referable(request: EvaluationRequest): Evaluation['referable'] {
  const maxGrade = request.classes.length - 1;
  const scores = request.images.map((i) => (request.head === 'regression' ? clamp01((i.expected ?? 0) / maxGrade) : i.referable ?? 0));
  const positive = request.images.map((i) => (i.label as number) >= REFERABLE_GRADE);
  const threshold = request.threshold ?? 0.5;
  const { points, auc } = rocCurve(scores, positive);
  const at = ratesAtThreshold(scores, positive, threshold);
  return {
    auc,
    curve: points.map((p) => ({ ...p, threshold: Number.isFinite(p.threshold) ? p.threshold : 1 })),
    threshold,
    sensitivity: at.sensitivity,
    specificity: at.specificity,
    positives: positive.filter(Boolean).length,
    negatives: positive.filter((p) => !p).length,
  };
}

function multilabel(request: EvaluationRequest, base: Base): Evaluation {
  const { images, classes } = request;
  const truth = images.map((i) => classes.map((_, k) => (i.label as number[]).includes(k)));
  const predicted = images.map((i) => classes.map((_, k) => (i.predicted as number[]).includes(k)));
  const perClass: ClassRates[] = classes.map((name, k) => {
    const t = truth.map((row) => row[k]!);
    const p = predicted.map((row) => row[k]!);
    const confusion = confusionMatrix(t.map(Number), p.map(Number), 2);
    const positive = perClassRates(confusion)[1]!;
    return { name, ...positive, f1: f1Score(t, p), ...(request.thresholds ? { threshold: request.thresholds[k]! } : {}) };
  });
  const confidences = images.flatMap((i) => i.probabilities!.map((p) => Math.max(p, 1 - p)));
  const correct = images.flatMap((i, n) => i.probabilities!.map((p, k) => (p >= 0.5) === truth[n]![k]));
  const exact = images.filter((_, n) => truth[n]!.every((t, k) => t === predicted[n]![k])).length;
  return {
    ...base,
    confusion: null,
    perClass,
    qwk: null,
    accuracy: exact / images.length,
    balancedAccuracy: null,
    macroF1: macroF1(truth, predicted),
    referable: null,
    calibration: calibration(confidences, correct),
  };
}

const oneHot = (values: number[], classCount: number): boolean[][] => values.map((v) => Array.from({ length: classCount }, (_, k) => k === v));

const clamp01 = (value: number) => Math.max(0, Math.min(1, value));
