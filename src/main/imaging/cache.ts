import fs from 'node:fs/promises';
import path from 'node:path';
import { fittedImage, type ImageSource } from './decode';

/** Long side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 256;
/** Thumbnail encoding: sharp's default quality, without the extra Huffman pass (a slightly larger file, encoded faster). */
export const THUMBNAIL_JPEG = { quality: 80, optimiseCoding: false } as const;
/** Long side of the display copy Review shows; the original is used when it is no larger. */
export const DISPLAY_SIZE = 2048;

export type CacheKind = 'thumbnails' | 'display' | 'preprocessed';

/**
 * Derived images are cached by the content hash of their source, so a moved or re-imported file
 * reuses its cache, and two projects holding the same file share it.
 */
export function cachedImagePath(cacheDir: string, kind: CacheKind, sha256: string): string {
  return path.join(cacheDir, kind, sha256.slice(0, 2), `${sha256}.jpg`);
}

const createdFolders = new Set<string>();

/** Writes a cache file atomically (write then rename), so a crash never leaves half a JPEG behind. */
export async function writeCacheFile(file: string, data: Buffer): Promise<void> {
  const folder = path.dirname(file);
  if (!createdFolders.has(folder)) {
    await fs.mkdir(folder, { recursive: true });
    createdFolders.add(folder);
  }
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
  try {
    await fs.writeFile(partial, data);
  } catch (error) {
    // The folder was made earlier but has gone since (the cache was cleared): make it again, once.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    createdFolders.delete(folder);
    await fs.mkdir(folder, { recursive: true });
    createdFolders.add(folder);
    await fs.writeFile(partial, data);
  }
  await fs.rename(partial, file);
}

/** The cached file of `kind` for an image, made by `make` on first request and kept from then on. */
export async function ensureCached(cacheDir: string, kind: CacheKind, sha256: string, make: () => Promise<Buffer>): Promise<string> {
  const file = cachedImagePath(cacheDir, kind, sha256);
  try {
    await fs.access(file);
  } catch {
    await writeCacheFile(file, await make());
  }
  return file;
}

/** The display copy of an image, made on first request: most images of a large project are never opened. */
export function ensureDisplayCopy(cacheDir: string, sha256: string, source: () => Promise<ImageSource>): Promise<string> {
  return ensureCached(cacheDir, 'display', sha256, async () => fittedImage(await source(), DISPLAY_SIZE).jpeg({ quality: 90 }).toBuffer());
}
