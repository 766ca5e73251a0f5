/**
 * What the Export dialog offers: each format with its words, its file's extension, and the one api call
 * that writes it. Formats whose api methods are not here yet have marked slots at the end of the list.
 */
import type { TaskKind } from '../../../../shared/domain';
import type { SubmissionSource } from '../../../../shared/exports';
import { call } from '../api';

export interface ExportChoice {
  projectId: number;
  file: string;
  deidentify: boolean;
  /** Submissions only: the current labels, or the active model's predicted grades. */
  from: SubmissionSource;
}

export interface ExportFormat {
  id: string;
  name: string;
  detail: string;
  extension: 'csv' | 'json' | 'html' | 'zip';
  /** Whether a project of this task can be exported so (Kaggle's submissions hold DR grades only). */
  fits?: (task: TaskKind) => boolean;
  /** Submissions take their grades from the labels or from the model. */
  takesSource?: boolean;
  /** Writes the file; answers with what was written, in a sentence. */
  run: (choice: ExportChoice) => Promise<string>;
}

const plural = (n: number, word: string) => `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
const rowsWritten = ({ rows, file }: { rows: number; file: string }) => `Wrote ${plural(rows, 'row')} to ${file}.`;
const drOnly = (task: TaskKind) => task === 'dr-grade';

export const EXPORT_FORMATS: readonly ExportFormat[] = [
  {
    id: 'labels',
    name: 'Labels',
    detail: 'The current label of every image, with who gave it (CSV).',
    extension: 'csv',
    run: async ({ projectId, file, deidentify }) => rowsWritten(await call('exports.labels', { projectId, file, deidentify })),
  },
  {
    id: 'labels-history',
    name: 'Label history',
    detail: 'Every label, ungradable flag and note, oldest first: the audit trail (CSV).',
    extension: 'csv',
    run: async ({ projectId, file, deidentify }) => rowsWritten(await call('exports.labels', { projectId, file, deidentify, history: true })),
  },
  {
    id: 'labels-per-grader',
    name: 'Labels per grader',
    detail: 'The current labels with one more column per reader, holding that reader’s own label (CSV).',
    extension: 'csv',
    run: async ({ projectId, file, deidentify }) => rowsWritten(await call('exports.labels', { projectId, file, deidentify, perGrader: true })),
  },
  {
    id: 'predictions',
    name: 'Predictions',
    detail: 'The active model’s probabilities, predicted label and out-of-fold flag for every image (CSV).',
    extension: 'csv',
    run: async ({ projectId, file, deidentify }) => {
      const written = await call('exports.predictions', { projectId, file, deidentify });
      return `Wrote the predictions of model ${written.modelId} for ${plural(written.rows, 'image')} to ${written.file}.`;
    },
  },
  {
    id: 'submission-aptos',
    name: 'Submission, APTOS',
    detail: 'Kaggle’s APTOS 2019 format: id_code,diagnosis (CSV; DR grading only).',
    extension: 'csv',
    fits: drOnly,
    takesSource: true,
    run: async ({ projectId, file, deidentify, from }) => rowsWritten(await call('exports.submission', { projectId, file, deidentify, format: 'aptos', from })),
  },
  {
    id: 'submission-eyepacs',
    name: 'Submission, EyePACS',
    detail: 'Kaggle’s EyePACS 2015 format: image,level (CSV; DR grading only).',
    extension: 'csv',
    fits: drOnly,
    takesSource: true,
    run: async ({ projectId, file, deidentify, from }) => rowsWritten(await call('exports.submission', { projectId, file, deidentify, format: 'eyepacs', from })),
  },
  {
    id: 'coco',
    name: 'COCO JSON',
    detail: 'The images with their sizes, the classes as categories and one image-level annotation per label, without boxes.',
    extension: 'json',
    run: async ({ projectId, file, deidentify }) => {
      const written = await call('exports.coco', { projectId, file, deidentify });
      return `Wrote ${plural(written.images, 'image')} and ${plural(written.annotations, 'label')} to ${written.file}.`;
    },
  },
  // SLOT (coordinator): "Evaluation report" (HTML) through `exports.report`, once that method is on main.
  // SLOT (coordinator): "Model bundle" through `models.exportBundle`, once that method is on main.
  // SLOT (coordinator): "DICOM images" (the de-identified DICOM re-export of src/main/export/dicom-export.ts), once its api method is on main.
];

/** The formats a project of this task can be exported in. */
export const formatsFor = (task: TaskKind): ExportFormat[] => EXPORT_FORMATS.filter((format) => format.fits?.(task) ?? true);

/** The path with the format's extension: a path ending in another format's extension has it swapped, any other is kept. */
export function withExtension(file: string, format: ExportFormat): string {
  const known = /\.(csv|json|html|zip)$/i.exec(file);
  return known ? `${file.slice(0, known.index)}.${format.extension}` : file;
}
