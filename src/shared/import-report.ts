import type { ImportErrorKind } from './domain';

export interface ImportFileError {
  path: string;
  kind: ImportErrorKind;
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
  errorsByKind: Partial<Record<ImportErrorKind, number>>;
  duplicates: { exact: number; near: number };
  labels: LabelImportReport | null;
  /** Files that are not images (notes, label files), left alone. */
  otherFiles: number;
  cancelled: boolean;
  seconds: number;
}
