/** What an evaluation was measured on, and why a panel has nothing to show, in plain words. */
import type { TaskKind } from '../../../../shared/domain';
import type { Evaluation } from '../../../../shared/ml';
import { plural } from '../format';

/** Folds are grouped by patient for fundus photographs; dermoscopy and microscopy group by lesion or specimen. */
export const groupWord = (kind: TaskKind): string => (kind === 'dr-grade' ? 'patient' : 'group');

/** "Measured on 312 images from 158 patients the model did not train on (out-of-fold)." */
export function basisSentence(evaluation: Pick<Evaluation, 'basis' | 'samples' | 'groups'>, kind: TaskKind): string {
  const images = plural(evaluation.samples, 'image');
  const groups = plural(evaluation.groups, groupWord(kind));
  return evaluation.basis === 'out-of-fold'
    ? `Measured on ${images} from ${groups} the model did not train on (out-of-fold: each image was predicted by the fold that held it out).`
    : `Measured on ${images} from ${groups} held out of training (grouped hold-out: the model never saw these ${kind === 'dr-grade' ? 'patients' : 'groups'}).`;
}

/** Why there is no ROC curve for referable DR, or null when there is one. */
export function rocUnavailable(kind: TaskKind, evaluation: Evaluation): string | null {
  if (kind !== 'dr-grade') {
    return `Referable DR applies to DR-grade projects only; this is a ${kind} project, so there is no ROC curve for it.`;
  }
  const referable = evaluation.referable;
  if (!referable) return 'This evaluation has no referable-DR scores, so there is no ROC curve.';
  if (referable.positives === 0 || referable.negatives === 0 || referable.curve.length === 0) {
    return `An ROC curve needs both referable and non-referable images; this evaluation has ${plural(referable.positives, 'referable image')} and ${plural(referable.negatives, 'non-referable image')}.`;
  }
  return null;
}

export function calibrationUnavailable(evaluation: Evaluation): string | null {
  if (!evaluation.calibration) return 'This evaluation has no calibration figures (the model gives no class probabilities, e.g. a regression head).';
  if (evaluation.calibration.bins.every((bin) => bin.count === 0)) return 'No image fell in any confidence bin, so there is nothing to plot.';
  return null;
}

export function confusionUnavailable(kind: TaskKind, evaluation: Evaluation): string | null {
  if (evaluation.confusion) return null;
  return kind === 'multilabel'
    ? 'A multilabel model has no single confusion matrix: each label is judged on its own in the per-label table.'
    : 'This evaluation has no confusion matrix.';
}
