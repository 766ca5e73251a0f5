import fs from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../../shared/errors';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.bmp', '.webp'] as const;
/** Recognised so that they are reported with a clear error rather than silently skipped. */
export const DICOM_EXTENSIONS = ['.dcm'] as const;

export interface FolderScan {
  /** Image and DICOM files, sorted by path so that imports are repeatable. */
  files: string[];
  /** Files of other kinds (label files, notes), which import leaves alone. */
  otherFiles: number;
}

/** Every image file below `folder`, recursively. Hidden files (e.g. macOS `._` resource forks) are skipped. */
export async function scanFolder(folder: string): Promise<FolderScan> {
  const root = path.resolve(folder);
  const stat = await fs.stat(root).catch(() => null);
  if (!stat) throw invalid(`The folder "${root}" does not exist.`);
  if (!stat.isDirectory()) throw invalid(`"${root}" is a file, not a folder.`);

  const files: string[] = [];
  let otherFiles = 0;
  const wanted = new Set<string>([...IMAGE_EXTENSIONS, ...DICOM_EXTENSIONS]);
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const relative = path.relative(root, path.join(entry.parentPath, entry.name));
    if (relative.split(path.sep).some((part) => part.startsWith('.'))) continue;
    if (wanted.has(path.extname(entry.name).toLowerCase())) files.push(path.join(root, relative));
    else otherFiles += 1;
  }
  files.sort();
  return { files, otherFiles };
}
