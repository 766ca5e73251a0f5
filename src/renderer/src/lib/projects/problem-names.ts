/** Short names for why a file or a label-file line was refused, for the import report's tables. */
import type { ImportFileErrorKind, LabelProblemKind, SkipReason } from '../../../../shared/import-report';

export const IMPORT_ERROR_NAMES: Record<ImportFileErrorKind, string> = {
  'empty-file': 'Empty file',
  'not-an-image': 'Not an image',
  'corrupt-image': 'Corrupt image',
  'too-many-pixels': 'Too many pixels',
  'unsupported-format': 'Unsupported format',
  'dicom-not-supported': 'DICOM (import again)',
  'dicom-bad-preamble': 'Not a DICOM file (no preamble)',
  'dicom-damaged': 'Damaged DICOM header',
  'dicom-unsupported': 'DICOM encoding not supported',
  'dicom-truncated': 'Truncated DICOM pixel data',
  'file-too-large': 'File too large',
  'unreadable-file': 'Unreadable file',
  'cache-write-failed': 'Thumbnail not saved',
};

export const SKIP_REASON_NAMES: Record<SkipReason, string> = {
  'unreadable-folder': 'Unreadable folder',
  'not-a-regular-file': 'Not a regular file',
  'folder-named-like-image': 'Folder, not an image',
  'link-outside-folder': 'Link out of the folder',
  'link-to-folder': 'Link to a folder',
  'broken-link': 'Broken link',
  'link-loop': 'Link loop',
  'dicomdir-unreadable': 'Unreadable DICOMDIR',
  'dicomdir-missing-file': 'Missing from DICOMDIR',
};

export const LABEL_PROBLEM_NAMES: Record<LabelProblemKind, string> = {
  'out-of-range-grade': 'Grade out of range',
  'unknown-class': 'Unknown class',
  'malformed-row': 'Malformed row',
  'duplicate-row': 'Duplicate row',
  'unknown-image': 'Unknown image',
};
