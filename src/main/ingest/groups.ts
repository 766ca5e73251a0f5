import type { Eye } from '../../shared/domain';

export interface ImageGroup {
  groupId: string;
  eye: Eye | null;
}

/** Eye suffixes: EyePACS words and the ophthalmology abbreviations OD (oculus dexter) and OS (oculus sinister). */
const EYE_SUFFIXES = new Map<string, Eye>([
  ['left', 'left'],
  ['right', 'right'],
  ['os', 'left'],
  ['od', 'right'],
]);

/**
 * The patient group and eye of an image from its file name without extension:
 * `10017_left` and `10017_OD` belong to group `10017`. Any other image is its own group.
 */
export function groupFromFileStem(stem: string): ImageGroup {
  const underscore = stem.lastIndexOf('_');
  if (underscore > 0) {
    const eye = EYE_SUFFIXES.get(stem.slice(underscore + 1).toLowerCase());
    if (eye) return { groupId: stem.slice(0, underscore), eye };
  }
  return { groupId: stem, eye: null };
}
