/**
 * What the Export dialog offers: each format with its words, its file's extension, and the api call that
 * writes it (made by `run-export.ts`). Formats whose api methods are not here yet have marked slots at
 * the end of the list.
 */
import type { TaskKind } from '../../../../shared/domain';
import type { SubmissionFormat } from '../../../../shared/exports';

/** The api call a format is written by, and what it asks for beside the project, file and de-identification. */
export type ExportTarget =
  | { method: 'exports.labels'; history?: boolean; perGrader?: boolean }
  | { method: 'exports.predictions' }
  | { method: 'exports.submission'; format: SubmissionFormat }
  | { method: 'exports.coco' };

export interface ExportFormat {
  id: string;
  name: string;
  detail: string;
  extension: 'csv' | 'json' | 'html' | 'zip';
  target: ExportTarget;
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
    target: { method: 'exports.labels' },
  },
  {
    id: 'labels-history',
    name: 'Label history',
    detail: 'Every label, ungradable flag and note, oldest first: the audit trail (CSV).',
    extension: 'csv',
    target: { method: 'exports.labels', history: true },
  },
  {
    id: 'labels-per-grader',
    name: 'Labels per grader',
    detail: 'The current labels with one more column per reader, holding that reader’s own label (CSV).',
    extension: 'csv',
    target: { method: 'exports.labels', perGrader: true },
  },
  {
    id: 'predictions',
    name: 'Predictions',
    detail: 'The active model’s probabilities, predicted label and out-of-fold flag for every image (CSV).',
    extension: 'csv',
    target: { method: 'exports.predictions' },
  },
  {
    id: 'submission-aptos',
    name: 'Submission, APTOS',
    detail: 'Kaggle’s APTOS 2019 format: id_code,diagnosis (CSV; DR grading only).',
    extension: 'csv',
    fits: drOnly,
    target: { method: 'exports.submission', format: 'aptos' },
  },
  {
    id: 'submission-eyepacs',
    name: 'Submission, EyePACS',
    detail: 'Kaggle’s EyePACS 2015 format: image,level (CSV; DR grading only).',
    extension: 'csv',
    fits: drOnly,
    target: { method: 'exports.submission', format: 'eyepacs' },
  },
  {
    id: 'coco',
    name: 'COCO JSON',
    detail: 'The images with their sizes, the classes as categories and one image-level annotation per label, without boxes.',
    extension: 'json',
    target: { method: 'exports.coco' },
  },
  // SLOTS (coordinator): each needs an entry here, a case in ExportTarget and one in run-export.ts.
  // SLOT: "Evaluation report" (HTML) through `exports.report`, once that method is on main.
  // SLOT: "Model bundle" through `models.exportBundle` (it names a model: the active one), once that method is on main.
  // SLOT: "DICOM images" (the de-identified DICOM re-export of src/main/export/dicom-export.ts), once its api method is on main.
];

/** The formats a project of this task can be exported in. */
export const formatsFor = (task: TaskKind): ExportFormat[] => EXPORT_FORMATS.filter((format) => format.fits?.(task) ?? true);

/** The path with the format's extension: a path ending in another format's extension has it swapped, any other is kept. */
export function withExtension(file: string, format: ExportFormat): string {
  const known = /\.(csv|json|html|zip)$/i.exec(file);
  return known ? `${file.slice(0, known.index)}.${format.extension}` : file;
}
