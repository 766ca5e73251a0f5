/** What a grid cell shows about its image: the label badge and the import error, in the project's words. */
import type { ImportErrorKind, LabelValue, TaskSpec } from '../../../../shared/domain';

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

const IMPORT_ERRORS: Record<ImportErrorKind, string> = {
  'empty-file': 'Empty file',
  'not-an-image': 'Not an image',
  'corrupt-image': 'Corrupt image',
  'too-many-pixels': 'Too many pixels',
  'unsupported-format': 'Unsupported format',
  'dicom-not-supported': 'DICOM not supported',
  'unreadable-file': 'Unreadable file',
};

export const importErrorText = (kind: ImportErrorKind | null): string => (kind ? IMPORT_ERRORS[kind] : 'Import failed');
