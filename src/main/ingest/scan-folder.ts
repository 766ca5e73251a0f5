import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../../shared/errors';
import type { SkipReason, SkippedEntry } from '../../shared/import-report';
import { dicomdirFiles, isDicomdirName } from './dicom/dicomdir';
import { fileTypeInWords } from './regular-file';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.bmp', '.webp'] as const;
/** DICOM files named as such; files without an extension are found through a DICOMDIR beside them. */
export const DICOM_EXTENSIONS = ['.dcm', '.dicom'] as const;

export interface FolderScan {
  /**
   * Image and DICOM files (regular files, or links to them inside the folder), and the files a DICOMDIR
   * lists, sorted by path so that imports are repeatable.
   */
  files: string[];
  /** Files of other kinds (label files, notes, DICOMDIRs), which import leaves alone. */
  otherFiles: number;
  /** Folders that could not be read, links that lead out or nowhere, FIFOs named like images...: each with why. */
  skipped: SkippedEntry[];
}

const WANTED = new Set<string>([...IMAGE_EXTENSIONS, ...DICOM_EXTENSIONS]);
const namedLikeImage = (name: string) => WANTED.has(path.extname(name).toLowerCase());

/**
 * Every image file below `folder`, recursively. Hidden files and folders (e.g. macOS `._` resource
 * forks) are left out. A folder that cannot be read is recorded and the walk carries on. Links are
 * followed to regular files inside the folder only (judged on their real paths, so neither `..` nor an
 * absolute target leads out); links to folders are not followed, so that no loop can form.
 */
export async function scanFolder(folder: string, signal?: AbortSignal): Promise<FolderScan> {
  const root = path.resolve(folder);
  const stat = await fs.stat(root).catch(() => null);
  if (!stat) throw invalid(`The folder "${root}" does not exist.`);
  if (!stat.isDirectory()) throw invalid(stat.isFile() ? `"${root}" is a file, not a folder.` : `"${root}" is not a folder (it is ${fileTypeInWords(stat)}).`);
  const realRoot = await fs.realpath(root);
  const inside = (real: string) => real === realRoot || real.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep);

  const scan: FolderScan = { files: [], otherFiles: 0, skipped: [] };
  const skip = (entry: string, reason: SkipReason, message: string) => scan.skipped.push({ path: entry, reason, message });

  const rootEntries = await fs.readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw invalid(`The folder "${root}" could not be read (${error.code ?? error.message}).`);
  });
  const folders: Array<{ dir: string; entries?: Dirent[] }> = [{ dir: root, entries: rootEntries }];
  // Files listed by a DICOMDIR, by lower-case path (DICOMDIRs name files in capitals, whatever the disk
  // says), until they are found. A DICOMDIR lists files at or below its own folder, which the walk
  // reaches after the DICOMDIR: it is read before anything else in its folder.
  const listed = new Map<string, { path: string; dicomdir: string }>();
  for (let next = folders.pop(); next; next = folders.pop()) {
    signal?.throwIfAborted();
    let entries = next.entries;
    if (!entries) {
      try {
        entries = await fs.readdir(next.dir, { withFileTypes: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        skip(next.dir, 'unreadable-folder', `The folder could not be read (${code}); the images in it, if any, were not imported.`);
        continue;
      }
    }
    for (const entry of entries) {
      if (entry.isFile() && isDicomdirName(entry.name)) await readDicomdir(path.join(next.dir, entry.name));
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(next.dir, entry.name);
      const fromDicomdir = entry.isFile() && listed.delete(full.toLowerCase());
      const image = namedLikeImage(entry.name) || fromDicomdir;
      if (entry.isDirectory()) {
        folders.push({ dir: full });
        if (image) skip(full, 'folder-named-like-image', 'This is a folder, not an image file; it was searched like any other folder.');
      } else if (entry.isFile()) {
        if (image) scan.files.push(full);
        else scan.otherFiles += 1;
      } else if (entry.isSymbolicLink()) {
        await followLink(full, image);
      } else if (image) {
        skip(full, 'not-a-regular-file', `This is not a regular file (it is ${fileTypeInWords(entry)}); only regular files are read as images.`);
      }
    }
  }
  for (const { path: missing, dicomdir } of listed.values()) {
    skip(missing, 'dicomdir-missing-file', `The DICOMDIR "${dicomdir}" lists this file, but it is not there (or is not a regular file).`);
  }
  scan.files.sort();
  scan.skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return scan;

  async function readDicomdir(dicomdir: string): Promise<void> {
    let files: string[];
    try {
      files = await dicomdirFiles(dicomdir, signal);
    } catch (error) {
      signal?.throwIfAborted();
      skip(dicomdir, 'dicomdir-unreadable', `This DICOMDIR could not be read (${(error as Error).message}); the DICOM files it lists were imported only where they are named .dcm.`);
      return;
    }
    for (const file of files) listed.set(file.toLowerCase(), { path: file, dicomdir });
  }

  async function followLink(link: string, image: boolean): Promise<void> {
    let real: string;
    try {
      real = await fs.realpath(link);
    } catch (error) {
      // A link not named like an image is no loss either way (in /proc, thousands of them lead nowhere).
      if (!image) return;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') skip(link, 'link-loop', 'This symbolic link leads back to itself (a loop); it was not followed.');
      else if (code === 'ENOENT') skip(link, 'broken-link', 'This symbolic link leads to something that does not exist.');
      else skip(link, 'broken-link', `This symbolic link could not be followed (${code ?? (error as Error).message}).`);
      return;
    }
    const target = await fs.stat(real).catch(() => null);
    if (!inside(real)) {
      if (image || target?.isDirectory()) {
        skip(link, 'link-outside-folder', `This symbolic link leads to "${real}", outside the chosen folder; links may not lead out of it.`);
      }
      return;
    }
    if (!target) {
      if (image) skip(link, 'broken-link', 'This symbolic link leads to something that cannot be read.');
    } else if (target.isDirectory()) {
      skip(link, 'link-to-folder', `This symbolic link leads to a folder inside the chosen folder ("${real}"); that folder is searched where it is, not through the link.`);
    } else if (!image) {
      scan.otherFiles += 1;
    } else if (target.isFile()) {
      scan.files.push(link);
    } else {
      skip(link, 'not-a-regular-file', `This symbolic link leads to ${fileTypeInWords(target)}, not a regular file; only regular files are read as images.`);
    }
  }
}
