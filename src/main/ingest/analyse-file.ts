import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ImportErrorKind } from '../../shared/domain';
import { cachedImagePath, THUMBNAIL_JPEG, THUMBNAIL_SIZE, writeCacheFile } from '../imaging/cache';
import { classifyDecodeError, fittedImage, readHeader } from '../imaging/decode';
import { detailHash, hashInputFromPixels, perceptualHash } from '../imaging/perceptual-hash';

export interface FileAnalysisRequest {
  path: string;
  cacheDir: string;
  /** The content hash an earlier import recorded for this path: when it still matches, nothing is decoded. */
  knownSha256?: string;
}

interface FileFacts {
  path: string;
  bytes: number;
  sha256: string;
}

export type FileAnalysis =
  | (FileFacts & { status: 'unchanged' })
  | (FileFacts & { status: 'ok'; format: string; width: number; height: number; phash: string; detailHash: string })
  | (FileFacts & { status: 'error'; errorKind: ImportErrorKind; errorText: string });

const EMPTY_SHA256 = createHash('sha256').digest('hex');

/**
 * Everything import needs from one file: its hashes, its size and format, and its thumbnail in the
 * cache. Never throws for a bad file; the problem comes back as an `error` analysis instead.
 */
export async function analyseFile(request: FileAnalysisRequest): Promise<FileAnalysis> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(request.path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return failure({ path: request.path, bytes: 0, sha256: EMPTY_SHA256 }, 'unreadable-file', `The file could not be read (${reason}).`);
  }
  const facts: FileFacts = { path: request.path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  if (facts.sha256 === request.knownSha256) return { ...facts, status: 'unchanged' };
  if (bytes.length === 0) return failure(facts, 'empty-file', 'The file is empty (0 bytes).');
  if (isDicom(request.path, bytes)) {
    return failure(
      facts,
      'dicom-not-supported',
      'DICOM files are not supported yet (DICOM import is planned); export the images as PNG or JPEG to import them now.',
    );
  }
  try {
    // The header check and the decode run side by side: sharp's own pixel limit stops a bomb in the
    // decode too, and waiting for one before starting the other only adds latency.
    const [header, thumbnail] = await Promise.all([
      readHeader(bytes),
      fittedImage(bytes, THUMBNAIL_SIZE).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }),
    ]);
    const { width, height, channels } = thumbnail.info;
    // A plain JPEG no larger than a thumbnail is its own thumbnail: re-encoding would only lose quality.
    const small = Math.max(header.width, header.height) <= THUMBNAIL_SIZE && header.plainJpeg;
    const jpeg = small ? bytes : await sharp(thumbnail.data, { raw: { width, height, channels } }).jpeg(THUMBNAIL_JPEG).toBuffer();
    await writeCacheFile(cachedImagePath(request.cacheDir, 'thumbnails', facts.sha256), jpeg);
    const grey = hashInputFromPixels(thumbnail.data, width, height, channels);
    const { format, width: fullWidth, height: fullHeight } = header;
    return { ...facts, status: 'ok', format, width: fullWidth, height: fullHeight, phash: perceptualHash(grey), detailHash: detailHash(grey) };
  } catch (error) {
    const { kind, message } = classifyDecodeError(error);
    return failure(facts, kind, message);
  }
}

const failure = (facts: FileFacts, errorKind: ImportErrorKind, errorText: string): FileAnalysis => ({
  ...facts,
  status: 'error',
  errorKind,
  errorText,
});

/** DICOM Part 10 files carry "DICM" after a 128-byte preamble; some are named without an extension. */
function isDicom(filePath: string, bytes: Buffer): boolean {
  if (path.extname(filePath).toLowerCase() === '.dcm') return true;
  return bytes.length > 132 && bytes.toString('latin1', 128, 132) === 'DICM';
}
