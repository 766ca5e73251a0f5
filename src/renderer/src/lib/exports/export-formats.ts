/**
 * What the Export dialog offers: each format with its words, its file's extension, and the api call that
 * writes it (made by `run-export.ts`), and whether the de-identify choice applies to it.
 */
import type { TaskKind } from '../../../../shared/domain';
import type { SubmissionFormat } from '../../../../shared/exports';

/** The api call a format is written by, and what it asks for beside the project, file and de-identification. */
export type ExportTarget =
  | { method: 'exports.labels'; history?: boolean; perGrader?: boolean }
  | { method: 'exports.predictions' }
  | { method: 'exports.submission'; format: SubmissionFormat }
  | { method: 'exports.coco' }
  | { method: 'exports.report' }
  | { method: 'models.exportBundle' }
  | { method: 'exports.dicom' };

/**
 * Whether the format honours the de-identify choice; when it does not, the sentence says what the file
 * holds instead, and the dialog shows it in place of the choice.
 */
export type Deidentification = { choice: true; done: string } | { choice: false; holds: string };

const PSEUDONYMOUS_TABLE: Deidentification = { choice: true, done: 'Patients, images and readers are pseudonyms; times are years; notes are removed.' };

export interface ExportFormat {
  id: string;
  name: string;
  detail: string;
  /** The file's extension; null when the export is a folder. */
  extension: 'csv' | 'json' | 'html' | 'gdmodel' | null;
  target: ExportTarget;
  deidentification: Deidentification;
  /** Whether a project of this task can be exported so (Kaggle's submissions hold DR grades only). */
  fits?: (task: TaskKind) => boolean;
}

const drOnly = (task: TaskKind) => task === 'dr-grade';

export const EXPORT_FORMATS: readonly ExportFormat[] = [
  {
    id: 'labels',
    name: 'Labels',
    detail: 'The current label of every image, with who gave it (CSV).',
    extension: 'csv',
    deidentification: PSEUDONYMOUS_TABLE,
    target: { method: 'exports.labels' },
  },
  {
    id: 'labels-history',
    name: 'Label history',
    detail: 'Every label, ungradable flag and note, oldest first: the audit trail (CSV).',
    extension: 'csv',
    deidentification: PSEUDONYMOUS_TABLE,
    target: { method: 'exports.labels', history: true },
  },
  {
    id: 'labels-per-grader',
    name: 'Labels per grader',
    detail: 'The current labels with one more column per reader, holding that reader’s own label (CSV).',
    extension: 'csv',
    deidentification: PSEUDONYMOUS_TABLE,
    target: { method: 'exports.labels', perGrader: true },
  },
  {
    id: 'predictions',
    name: 'Predictions',
    detail: 'The active model’s probabilities, predicted label and out-of-fold flag for every image (CSV).',
    extension: 'csv',
    deidentification: PSEUDONYMOUS_TABLE,
    target: { method: 'exports.predictions' },
  },
  {
    id: 'submission-aptos',
    name: 'Submission, APTOS',
    detail: 'Kaggle’s APTOS 2019 format: id_code,diagnosis (CSV; DR grading only).',
    extension: 'csv',
    fits: drOnly,
    deidentification: PSEUDONYMOUS_TABLE,
    target: { method: 'exports.submission', format: 'aptos' },
  },
  {
    id: 'submission-eyepacs',
    name: 'Submission, EyePACS',
    detail: 'Kaggle’s EyePACS 2015 format: image,level (CSV; DR grading only).',
    extension: 'csv',
    fits: drOnly,
    deidentification: PSEUDONYMOUS_TABLE,
    target: { method: 'exports.submission', format: 'eyepacs' },
  },
  {
    id: 'coco',
    name: 'COCO JSON',
    detail: 'The images with their sizes, the classes as categories and one image-level annotation per label, without boxes.',
    extension: 'json',
    deidentification: PSEUDONYMOUS_TABLE,
    target: { method: 'exports.coco' },
  },
  {
    id: 'report',
    name: 'Evaluation report',
    detail: 'The active model’s out-of-fold figures with intervals, charts, largest errors with Grad-CAM and its limits, in one HTML file to read or print.',
    extension: 'html',
    deidentification: { choice: true, done: 'Image files and graders are pseudonyms and the source folders are removed; text burned into the photographs is not.' },
    target: { method: 'exports.report' },
  },
  {
    id: 'model-bundle',
    name: 'Model bundle',
    detail: 'The active model in one file, for another data folder or computer (gradedesk models import-bundle).',
    extension: 'gdmodel',
    deidentification: { choice: false, holds: 'A bundle holds no names, paths or notes: weights, classes, figures, and the training labels keyed by each image’s content hash.' },
    target: { method: 'models.exportBundle' },
  },
  {
    id: 'dicom',
    name: 'DICOM images',
    detail: 'The images imported from DICOM files, written again as DICOM into a folder.',
    extension: null,
    deidentification: { choice: false, holds: 'Always de-identified: patients are pseudonyms, names, dates and other identifying attributes are removed (DICOM basic profile).' },
    target: { method: 'exports.dicom' },
  },
];

/** The formats a project of this task can be exported in. */
export const formatsFor = (task: TaskKind): ExportFormat[] => EXPORT_FORMATS.filter((format) => format.fits?.(task) ?? true);

/**
 * The path with the format's extension: a path ending in another format's extension has it swapped (or
 * dropped, for a folder), any other is kept.
 */
export function withExtension(file: string, format: ExportFormat): string {
  const known = /\.(csv|json|html|gdmodel)$/i.exec(file);
  if (!known) return file;
  return format.extension ? `${file.slice(0, known.index)}.${format.extension}` : file.slice(0, known.index);
}
