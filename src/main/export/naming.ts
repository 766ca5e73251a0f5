// How an export names what could identify a patient: as recorded, or de-identified. Every export writes
// its images, patients, readers, times and free text through one `ExportNaming`, so de-identification is
// decided in this file only.
import path from 'node:path';
import type { ExportedImage } from '../store/exports';
import { keyedPseudonym, pseudonymKey } from './pseudonym';

export interface ExportNaming {
  readonly deidentified: boolean;
  /** The image with its name, file name and patient (group) as the export writes them. */
  image<T extends ExportedImage>(image: T): T;
  /** A reader's name (null: no reader). */
  reader(name: string | null): string | null;
  /** A recorded time (ISO 8601). */
  time(iso: string | null): string | null;
  /** Free text: a note, or where an imported label came from (a label file's name). */
  freeText(text: string | null): string | null;
}

/** Everything as recorded. */
export const AS_RECORDED: ExportNaming = {
  deidentified: false,
  image: (image) => image,
  reader: (name) => name,
  time: (iso) => iso,
  freeText: (text) => text,
};

/** The image formats Gradedesk imports; any other "extension" may be part of a name (Smith.John) and is dropped. */
const IMAGE_EXTENSION = /^\.(jpe?g|png|tiff?|bmp|webp|dcm|dicom)$/i;
const imageExtension = (fileName: string) => {
  const extension = path.extname(fileName);
  return IMAGE_EXTENSION.test(extension) ? extension.toLowerCase() : '';
};

/** What replaces free text in a de-identified export: the text may name anyone, so none of it is kept. */
export const REMOVED_TEXT = '[removed]';

/**
 * Keyed pseudonyms for patients (`P-…`, the same as `patientPseudonym`), images (`I-…`, from the image's
 * row id, as its file name may contain the patient's id or name) and readers (`R-…`); times reduced to
 * their year (an image's grading time can date a patient's visit); free text replaced by "[removed]".
 * The same data directory always gives the same pseudonyms.
 */
export function deidentifiedNaming(dataDir: string): ExportNaming {
  const key = pseudonymKey(dataDir);
  const patients = new Map<string, string>();
  const readers = new Map<string, string>();
  const remembered = (cache: Map<string, string>, prefix: string, text: string) => {
    let pseudonym = cache.get(text);
    if (pseudonym === undefined) cache.set(text, (pseudonym = keyedPseudonym(key, prefix, text)));
    return pseudonym;
  };
  return {
    deidentified: true,
    image(image) {
      const stem = keyedPseudonym(key, 'I', `image:${image.imageId}`);
      return { ...image, stem, fileName: stem + imageExtension(image.fileName), groupId: remembered(patients, 'P', image.groupId) };
    },
    reader: (name) => (name === null ? null : remembered(readers, 'R', `reader:${name}`)),
    time: (iso) => (iso === null ? null : iso.slice(0, 4)),
    freeText: (text) => (text ? REMOVED_TEXT : text),
  };
}

/** The naming an export asks for. */
export const exportNaming = (dataDir: string, deidentify: boolean | undefined): ExportNaming =>
  deidentify ? deidentifiedNaming(dataDir) : AS_RECORDED;
