import { constants, type Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';

/**
 * Opening a FIFO for reading blocks until a writer appears, and it blocks one of libuv's four shared
 * threads while it waits: four such opens stall every file operation of the process. O_NONBLOCK makes
 * the open return at once (it changes nothing for regular files), and fstat on the opened descriptor
 * then says what it really is, after links were followed, with no window to swap the file in between.
 * Windows has no FIFOs of this kind, nor the flag.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export class NotRegularFileError extends Error {
  override name = 'NotRegularFileError';
  constructor(readonly what: string) {
    super(`is not a regular file (it is ${what})`);
  }
}

/** What a non-regular directory entry is, in words: "a FIFO", "a folder", ... */
export function fileTypeInWords(stat: Pick<Stats, 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isSymbolicLink'>): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a file';
}

/** Opens a file for reading, following links, and refuses (NotRegularFileError) anything but a regular file. */
export async function openRegularFile(file: string): Promise<{ handle: FileHandle; stat: Stats }> {
  const handle = await fs.open(file, OPEN_FLAGS);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new NotRegularFileError(fileTypeInWords(stat));
    return { handle, stat };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Up to `length` bytes from the start of the file. */
export async function readStart(handle: FileHandle, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, 0);
  return buffer.subarray(0, bytesRead);
}

export class FileTooLargeError extends Error {
  override name = 'FileTooLargeError';
  constructor(readonly limit: number) {
    super(`is larger than ${formatBytes(limit)}`);
  }
}

const CHUNK = 1 << 20;

/**
 * Reads the whole file in chunks, after `start` (its first bytes, already read), handing each chunk to
 * `onChunk` (e.g. a hash) and, when `keep` is set, keeping the bytes. Reading stops at `expectedBytes`
 * (stat's size) when that is known; files under /proc say they hold 0 bytes, so then it reads to the
 * end, and stops with FileTooLargeError past `maxBytes`. An aborted `signal` stops it between chunks.
 */
export async function readChunks(
  handle: FileHandle,
  options: { maxBytes: number; keep: boolean; expectedBytes?: number; start?: Buffer; signal?: AbortSignal; onChunk?: (chunk: Buffer) => void },
): Promise<Buffer> {
  const { maxBytes, keep, signal, onChunk, start = Buffer.alloc(0) } = options;
  const expected = options.expectedBytes ?? 0;
  if (expected > 0 && start.length >= expected) {
    onChunk?.(start);
    return keep ? start : Buffer.alloc(0);
  }
  let kept = Buffer.allocUnsafe(keep ? Math.min(Math.max(expected, start.length, 1), maxBytes) : CHUNK);
  if (keep) start.copy(kept);
  if (start.length) onChunk?.(start);
  let total = start.length;
  while (expected === 0 || total < expected) {
    signal?.throwIfAborted();
    if (keep && total === kept.length) {
      // Full before the end: only a file whose size stat did not know gets here.
      const probe = await handle.read(Buffer.alloc(1), 0, 1, total);
      if (probe.bytesRead === 0) break;
      if (total >= maxBytes) throw new FileTooLargeError(maxBytes);
      const grown = Buffer.allocUnsafe(Math.min(Math.max(kept.length * 2, CHUNK), maxBytes));
      kept.copy(grown, 0, 0, total);
      kept = grown;
    }
    const target = keep ? kept : kept.subarray(0, CHUNK);
    const offset = keep ? total : 0;
    const { bytesRead } = await handle.read(target, offset, Math.min(CHUNK, target.length - offset), total);
    if (bytesRead === 0) break;
    onChunk?.(target.subarray(offset, offset + bytesRead));
    total += bytesRead;
    if (total > maxBytes) throw new FileTooLargeError(maxBytes);
  }
  return keep ? kept.subarray(0, total) : Buffer.alloc(0);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1).replace(/\.0$/, '')} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${bytes} bytes`;
}

/** The whole of a regular file, at most `maxBytes`; refuses FIFOs, devices and folders without blocking on them. */
export async function readRegularFile(file: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  const { handle, stat } = await openRegularFile(file);
  try {
    if (stat.size > maxBytes) throw new FileTooLargeError(maxBytes);
    return await readChunks(handle, { maxBytes, keep: true, expectedBytes: stat.size, signal });
  } finally {
    await handle.close();
  }
}
