import { createHash } from 'node:crypto';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ImportErrorKind } from '../../shared/domain';
import { cachedImagePath, THUMBNAIL_JPEG, THUMBNAIL_SIZE, writeCacheFile } from '../imaging/cache';
import { classifyDecodeError, fittedImage, MAX_IMAGE_BYTES, readHeader } from '../imaging/decode';
import { detailHash, hashInputFromPixels, perceptualHash } from '../imaging/perceptual-hash';
import { SIGNATURE_BYTES, sniffSignature } from './image-signature';
import { FileTooLargeError, formatBytes, NotRegularFileError, openRegularFile, readChunks, readStart } from './regular-file';

export interface FileAnalysisRequest {
  path: string;
  cacheDir: string;
  /** The content hash an earlier import recorded for this path: when it still matches (and the thumbnail is there), nothing is decoded. */
  knownSha256?: string;
}

/** How much is read first: all of most images, and enough of any file to know whether it is one. */
const FIRST_READ_BYTES = 1 << 20;

interface FileFacts {
  path: string;
  bytes: number;
  /** Empty when the file was refused before its content was read (not an image, too large, unreadable). */
  sha256: string;
}

export type FileAnalysis =
  | (FileFacts & { status: 'unchanged' })
  | (FileFacts & {
      status: 'ok';
      format: string;
      width: number;
      height: number;
      phash: string;
      detailHash: string;
      /** The image is good but its thumbnail could not be written: why, with the system's reason. */
      cacheProblem?: string;
    })
  | (FileFacts & { status: 'error'; errorKind: ImportErrorKind; errorText: string });

/**
 * Everything import needs from one file: its hashes, its size and format, and its thumbnail in the
 * cache. Never throws for a bad file; the problem comes back as an `error` analysis instead. Only a
 * regular file is opened, its first bytes decide whether it is an image at all, and only then is
 * it read whole (at most MAX_IMAGE_BYTES), hashing as it is read.
 */
export async function analyseFile(request: FileAnalysisRequest): Promise<FileAnalysis> {
  let opened;
  try {
    opened = await openRegularFile(request.path);
  } catch (error) {
    return unreadable({ path: request.path, bytes: 0, sha256: '' }, error);
  }
  const { handle, stat } = opened;
  try {
    return await analyseOpenFile(request, handle, stat.size);
  } catch (error) {
    return unreadable({ path: request.path, bytes: stat.size, sha256: '' }, error);
  } finally {
    await handle.close();
  }
}

async function analyseOpenFile(request: FileAnalysisRequest, handle: FileHandle, size: number): Promise<FileAnalysis> {
  const unread: FileFacts = { path: request.path, bytes: size, sha256: '' };
  // The first bytes say whether this is an image at all; a small file comes whole with them.
  const start = await readStart(handle, Math.max(SIGNATURE_BYTES, Math.min(size, FIRST_READ_BYTES)));
  if (start.length === 0) return failure(unread, 'empty-file', 'The file is empty (0 bytes).');
  const signature = sniffSignature(start);
  if (signature.kind === 'dicom' || path.extname(request.path).toLowerCase() === '.dcm') {
    return failure(
      unread,
      'dicom-not-supported',
      'DICOM files are not supported yet (DICOM import is planned); export the images as PNG or JPEG to import them now.',
    );
  }
  if (signature.kind === 'unsupported') {
    return failure(unread, 'unsupported-format', `${signature.format} images are not supported; use JPEG, PNG, TIFF, BMP or WebP.`);
  }
  if (signature.kind === 'unknown') {
    return failure(
      unread,
      'not-an-image',
      'The file is not an image in any supported format: its header (its first bytes) is not that of a JPEG, PNG, TIFF, BMP or WebP file.',
    );
  }
  if (size > MAX_IMAGE_BYTES) return tooLarge(unread);

  const thumbnailFile = (sha256: string) => cachedImagePath(request.cacheDir, 'thumbnails', sha256);
  if (request.knownSha256) {
    const sha256 = await hashOf(handle, start, size);
    if (sha256 === request.knownSha256 && (await exists(thumbnailFile(sha256)))) return { ...unread, sha256, status: 'unchanged' };
  }
  const hash = createHash('sha256');
  const bytes = await readChunks(handle, { maxBytes: MAX_IMAGE_BYTES, keep: true, start, expectedBytes: size, onChunk: (chunk) => hash.update(chunk) });
  const facts: FileFacts = { path: request.path, bytes: bytes.length, sha256: hash.digest('hex') };

  let decoded;
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
    const grey = hashInputFromPixels(thumbnail.data, width, height, channels);
    decoded = { header, jpeg, phash: perceptualHash(grey), detailHash: detailHash(grey) };
  } catch (error) {
    const { kind, message } = classifyDecodeError(error);
    return failure(facts, kind, message);
  }
  const { format, width, height } = decoded.header;
  const analysis: FileAnalysis = { ...facts, status: 'ok', format, width, height, phash: decoded.phash, detailHash: decoded.detailHash };
  // A cache that cannot be written says nothing about the image: it stays good, and the next import writes the thumbnail again.
  try {
    await writeCacheFile(thumbnailFile(facts.sha256), decoded.jpeg);
  } catch (error) {
    analysis.cacheProblem = `The image is good, but its thumbnail could not be written to the cache (${(error as Error).message}); the next import writes it again.`;
  }
  return analysis;
}

async function hashOf(handle: FileHandle, start: Buffer, size: number): Promise<string> {
  const hash = createHash('sha256');
  await readChunks(handle, { maxBytes: MAX_IMAGE_BYTES, keep: false, start, expectedBytes: size, onChunk: (chunk) => hash.update(chunk) });
  return hash.digest('hex');
}

const exists = (file: string) => fs.access(file).then(() => true, () => false);

function unreadable(facts: FileFacts, error: unknown): FileAnalysis {
  if (error instanceof FileTooLargeError) return tooLarge(facts);
  if (error instanceof NotRegularFileError) return failure(facts, 'unreadable-file', `The file ${error.message}; only regular files are read as images.`);
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return failure(facts, 'unreadable-file', `The file could not be read (${reason}).`);
}

const tooLarge = (facts: FileFacts) =>
  failure(
    facts,
    'file-too-large',
    `The file is ${formatBytes(facts.bytes)}, over the limit of ${formatBytes(MAX_IMAGE_BYTES)} for one image; it was refused without being read, to protect the machine's memory.`,
  );

const failure = (facts: FileFacts, errorKind: ImportErrorKind, errorText: string): FileAnalysis => ({
  ...facts,
  status: 'error',
  errorKind,
  errorText,
});
