/** Short names for why a file or a label-file line was refused, for the import report's tables. */
import type { ImportErrorKind } from '../../../../shared/domain';
import type { LabelProblemKind } from '../../../../shared/import-report';

export const IMPORT_ERROR_NAMES: Record<ImportErrorKind, string> = {
  'empty-file': 'Empty file',
  'not-an-image': 'Not an image',
  'corrupt-image': 'Corrupt image',
  'too-many-pixels': 'Too many pixels',
  'unsupported-format': 'Unsupported format',
  'dicom-not-supported': 'DICOM (not supported)',
  'unreadable-file': 'Unreadable file',
};

export const LABEL_PROBLEM_NAMES: Record<LabelProblemKind, string> = {
  'out-of-range-grade': 'Grade out of range',
  'unknown-class': 'Unknown class',
  'malformed-row': 'Malformed row',
  'duplicate-row': 'Duplicate row',
  'unknown-image': 'Unknown image',
};
