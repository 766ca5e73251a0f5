import path from 'node:path';
import { readRegularFile } from '../regular-file';
import { readDicom } from './read-dicom';

/** A DICOMDIR is small (one record per file); anything larger is not one. */
const MAX_DICOMDIR_BYTES = 64 * 2 ** 20;

export const isDicomdirName = (name: string) => name.toUpperCase() === 'DICOMDIR';

/**
 * The files a DICOMDIR (a DICOM media directory, PS3.10) lists, as paths beside it: each record's
 * ReferencedFileID is a path relative to the DICOMDIR's folder, in up to eight parts. Records without
 * one (patients, studies, series) only structure the directory. Throws, with the reason, when the
 * DICOMDIR cannot be read.
 */
export async function dicomdirFiles(dicomdir: string, signal?: AbortSignal): Promise<string[]> {
  const { dataset } = readDicom(await readRegularFile(dicomdir, MAX_DICOMDIR_BYTES, signal), { headerOnly: true });
  const records = Array.isArray(dataset.DirectoryRecordSequence) ? (dataset.DirectoryRecordSequence as Array<Record<string, unknown>>) : [];
  const folder = path.dirname(dicomdir);
  const files = new Set<string>();
  for (const record of records) {
    const id = record.ReferencedFileID;
    const parts = (Array.isArray(id) ? id : [id]).filter((part): part is string => typeof part === 'string' && part.trim() !== '').map((part) => part.trim());
    // A part is a plain name: '..' or a separator would lead out of the DICOMDIR's folder.
    if (parts.length === 0 || parts.some((part) => part === '..' || part === '.' || /[\\/]/.test(part))) continue;
    files.add(path.join(folder, ...parts));
  }
  return [...files];
}
