import type { ImportErrorKind } from './domain';

/**
 * Why a file is in the report's error list: an error stored with the image (the file is bad), or
 * `cache-write-failed`, when the image is good but its thumbnail could not be written; that one is not
 * stored as the image's error, and the next import writes the thumbnail again.
 */
export type ImportFileErrorKind = ImportErrorKind | 'cache-write-failed';

export interface ImportFileError {
  path: string;
  kind: ImportFileErrorKind;
  message: string;
}

/** Why an entry of the folder was not considered as an image at all. */
export type SkipReason =
  | 'unreadable-folder'
  | 'not-a-regular-file'
  | 'folder-named-like-image'
  | 'link-outside-folder'
  | 'link-to-folder'
  | 'broken-link'
  | 'link-loop'
  | 'dicomdir-unreadable'
  | 'dicomdir-missing-file';

/** A folder entry the import passed over, and why, in one sentence. */
export interface SkippedEntry {
  path: string;
  reason: SkipReason;
  message: string;
}

export type LabelProblemKind = 'out-of-range-grade' | 'unknown-class' | 'malformed-row' | 'duplicate-row' | 'unknown-image';

export interface LabelProblem {
  /** 1-based line in the label file. */
  line: number;
  kind: LabelProblemKind;
  message: string;
}

export interface LabelImportReport {
  file: string;
  format: string;
  rows: number;
  /** Label events written: new labels and changed ones. */
  applied: number;
  /** Rows whose image already had that label. */
  unchanged: number;
  problems: LabelProblem[];
}

/** What one import did, file by file where something went wrong. */
export interface ImportReport {
  folder: string;
  filesFound: number;
  imported: number;
  /** Files at a known path whose content changed since the last import. */
  updated: number;
  unchanged: number;
  errors: ImportFileError[];
  errorsByKind: Partial<Record<ImportFileErrorKind, number>>;
  duplicates: { exact: number; near: number };
  labels: LabelImportReport | null;
  /** Files that are not images (notes, label files), left alone. */
  otherFiles: number;
  /** Unreadable folders, links, FIFOs and such named like images: what was passed over, and why. */
  skipped: SkippedEntry[];
  cancelled: boolean;
  seconds: number;
}
