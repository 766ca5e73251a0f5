/** What a grid cell shows about its image: the label and prediction badges and the import error, in the project's words. */
import type { ImportErrorKind, LabelValue, TaskSpec } from '../../../../shared/domain';
import type { GridPrediction } from '../../../../shared/domain';
import { formatGrade, formatProbability, predictedText } from '../predictions/format';

export interface LabelBadge {
  text: string;
  /** The full label, for the tooltip and screen readers. */
  title: string;
  /** The DR grade, which picks the badge colour; null for other tasks. */
  grade: number | null;
}

/** Several multilabel names are shown in the badge while they fit; otherwise their count. One name always shows. */
const MULTILABEL_BADGE_CHARS = 14;

export function labelBadge(task: TaskSpec, label: LabelValue | null): LabelBadge | null {
  if (label === null) return null;
  if (Array.isArray(label)) {
    const names = label.map((index) => task.classes[index] ?? String(index));
    const joined = names.join(', ');
    if (names.length === 0) return { text: 'none', title: 'Labelled: none of the labels', grade: null };
    return {
      text: names.length === 1 || joined.length <= MULTILABEL_BADGE_CHARS ? joined : `${names.length} labels`,
      title: `Labels: ${joined}`,
      grade: null,
    };
  }
  const name = task.classes[label] ?? String(label);
  if (task.kind === 'dr-grade') return { text: String(label), title: `Grade ${label}: ${name}`, grade: label };
  return { text: name, title: `Class: ${name}`, grade: null };
}

export interface PredictionBadge {
  text: string;
  /** The tooltip: "Model: grade 3 · P(referable) 0.82 · expected 2.9". */
  title: string;
  /** The accessible name, which says it is the model's and not a reader's. */
  label: string;
  /** The predicted DR grade, coloured as the reader's grade badge is (so "AI 2" and "2" match); null otherwise. */
  grade: number | null;
}

function shortNames(task: TaskSpec, value: LabelValue): string {
  if (!Array.isArray(value)) return task.kind === 'dr-grade' ? String(value) : (task.classes[value] ?? String(value));
  if (value.length === 0) return 'none';
  const names = value.map((index) => task.classes[index] ?? String(index));
  const joined = names.join(', ');
  return names.length === 1 || joined.length <= MULTILABEL_BADGE_CHARS ? joined : `${names.length} labels`;
}

export function predictionBadge(task: TaskSpec, prediction: GridPrediction): PredictionBadge {
  const predicted = predictedText(task, prediction.predicted);
  const referable = task.kind === 'dr-grade' && prediction.referable !== null ? formatProbability(prediction.referable) : null;
  // A probability-weighted class index means nothing for unordered classes.
  const expected = task.kind === 'dr-grade' && prediction.expected !== null ? formatGrade(prediction.expected) : null;
  const brief = task.kind === 'dr-grade' && !Array.isArray(prediction.predicted) ? `grade ${prediction.predicted}` : predicted;
  const title = ['Model: ' + brief, referable && `P(referable) ${referable}`, expected && `expected ${expected}`].filter(Boolean).join(' · ');
  const label = ['Model prediction: ' + predicted, referable && `P(referable) ${referable}`, expected && `expected grade ${expected}`]
    .filter(Boolean)
    .join(', ');
  const grade = task.kind === 'dr-grade' && !Array.isArray(prediction.predicted) ? prediction.predicted : null;
  return { text: shortNames(task, prediction.predicted), title, label, grade };
}

const IMPORT_ERRORS: Record<ImportErrorKind, string> = {
  'empty-file': 'Empty file',
  'not-an-image': 'Not an image',
  'corrupt-image': 'Corrupt image',
  'too-many-pixels': 'Too many pixels',
  'unsupported-format': 'Unsupported format',
  'dicom-not-supported': 'DICOM (import again)',
  'dicom-bad-preamble': 'Not a DICOM file',
  'dicom-damaged': 'Damaged DICOM',
  'dicom-unsupported': 'DICOM encoding not supported',
  'dicom-truncated': 'Truncated DICOM',
  'file-too-large': 'File too large',
  'unreadable-file': 'Unreadable file',
};

export const importErrorText = (kind: ImportErrorKind | null): string => (kind ? IMPORT_ERRORS[kind] : 'Import failed');
