import { createHash } from 'node:crypto';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { cachedImagePath, THUMBNAIL_SIZE } from '../imaging/cache';
import { classifyDecodeError, MAX_IMAGE_BYTES, readHeader } from '../imaging/decode';
import { analyseDicom, unchangedDicom } from './dicom/analyse-dicom';
import { decodedThumbnail, failure, withThumbnail, type FileAnalysis, type FileFacts } from './file-analysis';
import { SIGNATURE_BYTES, sniffSignature } from './image-signature';
import { FileTooLargeError, formatBytes, NotRegularFileError, openRegularFile, readChunks, readStart } from './regular-file';

export type { FileAnalysis } from './file-analysis';

export interface FileAnalysisRequest {
  path: string;
  cacheDir: string;
  /**
   * The content hash an earlier import recorded for this path (for a multi-frame DICOM file, for its
   * first frame): when it still matches (and the thumbnails are there), nothing is decoded.
   */
  knownSha256?: string;
}

/** How much is read first: all of most images, and enough of any file to know whether it is one. */
const FIRST_READ_BYTES = 1 << 20;

/**
 * Everything import needs from one file: its hashes, its size and format, and its thumbnail in the
 * cache. Never throws for a bad file; the problem comes back as an `error` analysis instead. Only a
 * regular file is opened, its first bytes decide whether it is an image at all, and only then is
 * it read whole (at most MAX_IMAGE_BYTES), hashing as it is read.
 */
export async function analyseFile(request: FileAnalysisRequest): Promise<FileAnalysis[]> {
  let opened;
  try {
    opened = await openRegularFile(request.path);
  } catch (error) {
    return [unreadable({ path: request.path, bytes: 0, sha256: '' }, error)];
  }
  const { handle, stat } = opened;
  try {
    return await analyseOpenFile(request, handle, stat.size);
  } catch (error) {
    return [unreadable({ path: request.path, bytes: stat.size, sha256: '' }, error)];
  } finally {
    await handle.close();
  }
}

async function analyseOpenFile(request: FileAnalysisRequest, handle: FileHandle, size: number): Promise<FileAnalysis[]> {
  const unread: FileFacts = { path: request.path, bytes: size, sha256: '' };
  // The first bytes say whether this is an image at all; a small file comes whole with them.
  const start = await readStart(handle, Math.max(SIGNATURE_BYTES, Math.min(size, FIRST_READ_BYTES)));
  if (start.length === 0) return [failure(unread, 'empty-file', 'The file is empty (0 bytes).')];
  const signature = sniffSignature(start);
  if (signature.kind === 'dicom' || path.extname(request.path).toLowerCase() === '.dcm') {
    if (size > MAX_IMAGE_BYTES) return [tooLarge(unread)];
    const hash = createHash('sha256');
    const bytes = await readChunks(handle, { maxBytes: MAX_IMAGE_BYTES, keep: true, start, expectedBytes: size, onChunk: (chunk) => hash.update(chunk) });
    const file = { path: request.path, bytes: bytes.length, sha256: hash.digest('hex') };
    return (request.knownSha256 && (await unchangedDicom(file, bytes, request.knownSha256, request.cacheDir))) || analyseDicom(file, bytes, request.cacheDir);
  }
  return [await analyseImageFile(request, handle, size, start, signature)];
}

async function analyseImageFile(
  request: FileAnalysisRequest,
  handle: FileHandle,
  size: number,
  start: Buffer,
  signature: ReturnType<typeof sniffSignature>,
): Promise<FileAnalysis> {
  const unread: FileFacts = { path: request.path, bytes: size, sha256: '' };
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
    const [header, thumbnail] = await Promise.all([readHeader(bytes), decodedThumbnail(bytes)]);
    // A plain JPEG no larger than a thumbnail is its own thumbnail: re-encoding would only lose quality.
    const small = Math.max(header.width, header.height) <= THUMBNAIL_SIZE && header.plainJpeg;
    decoded = { header, ...thumbnail, jpeg: small ? bytes : await thumbnail.jpeg() };
  } catch (error) {
    const { kind, message } = classifyDecodeError(error);
    return failure(facts, kind, message);
  }
  const { format, width, height } = decoded.header;
  const analysis: FileAnalysis = { ...facts, status: 'ok', format, width, height, phash: decoded.phash, detailHash: decoded.detailHash };
  return withThumbnail(analysis, request.cacheDir, decoded.jpeg);
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
