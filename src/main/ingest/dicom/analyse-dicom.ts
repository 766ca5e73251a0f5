import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { cachedImagePath } from '../../imaging/cache';
import { classifyDecodeError } from '../../imaging/decode';
import { decodedThumbnail, failure, withThumbnail, type FileAnalysis, type FileFacts } from '../file-analysis';
import { dicomFacts } from './dicom-facts';
import { frameAddress, parseFrameAddress } from './frame-address';
import { dicomFrames } from './frames';
import { integer, readDicom } from './read-dicom';

/**
 * The images of one DICOM file: one analysis per frame, each with its own address, content hash
 * (the file's for a single frame; derived from the file's and the frame's number for several, so that
 * each frame has its own thumbnail and none is taken for a duplicate of its neighbours) and thumbnail.
 * A file that cannot be read is one error analysis, with the kind that says why.
 */
export async function analyseDicom(file: FileFacts, bytes: Buffer, cacheDir: string): Promise<FileAnalysis[]> {
  let frames;
  let facts;
  try {
    const dicom = readDicom(bytes);
    frames = dicomFrames(dicom);
    facts = dicomFacts(dicom);
  } catch (error) {
    const { kind, message } = classifyDecodeError(error);
    return [failure(file, kind, message)];
  }
  const fileName = path.basename(file.path);
  const fileStem = fileName.slice(0, fileName.length - path.extname(fileName).length);
  const analyses: FileAnalysis[] = [];
  for (let index = 0; index < frames.count; index++) {
    const address = frameAddress(file.path, index, frames.count);
    const frame: FileFacts = { ...file, path: address, sha256: frameSha256(file.sha256, address) };
    try {
      const thumbnail = await decodedThumbnail(frames.frame(index));
      const stem = frames.count > 1 ? `${fileStem}#frame-${index + 1}` : fileStem;
      const analysis = { ...frame, status: 'ok' as const, format: 'dicom', width: frames.width, height: frames.height, phash: thumbnail.phash, detailHash: thumbnail.detailHash, dicom: { ...facts, stem } };
      analyses.push(await withThumbnail(analysis, cacheDir, await thumbnail.jpeg()));
    } catch (error) {
      const { kind, message } = classifyDecodeError(error);
      analyses.push(failure(frame, kind, frames.count > 1 ? `Frame ${index + 1}: ${message}` : message));
    }
  }
  return analyses;
}

/**
 * The images of a DICOM file that has not changed since it was imported (`knownSha256`, recorded for
 * the file or its first frame, still matches) and whose thumbnails are all there: one `unchanged`
 * analysis per frame, from the header alone. Null when anything differs: the file is analysed again.
 */
export async function unchangedDicom(file: FileFacts, bytes: Buffer, knownSha256: string, cacheDir: string): Promise<FileAnalysis[] | null> {
  let count: number;
  try {
    count = integer(readDicom(bytes, { headerOnly: true }).dataset.NumberOfFrames) ?? 1;
  } catch {
    return null;
  }
  const addresses = Array.from({ length: Math.max(1, count) }, (_, index) => frameAddress(file.path, index, count));
  if (frameSha256(file.sha256, addresses[0]!) !== knownSha256) return null;
  const frames = addresses.map((address) => ({ ...file, path: address, sha256: frameSha256(file.sha256, address), status: 'unchanged' as const }));
  const thumbnails = await Promise.all(frames.map((frame) => fs.access(cachedImagePath(cacheDir, 'thumbnails', frame.sha256)).then(() => true, () => false)));
  return thumbnails.every(Boolean) ? frames : null;
}

/** The content hash of the image at a frame address: the file's own for a single-frame file. The DICOM re-export checks a file against it. */
export function frameSha256(fileSha256: string, address: string): string {
  const { frame, framed } = parseFrameAddress(address);
  return framed ? createHash('sha256').update(`${fileSha256}#frame-${frame + 1}`).digest('hex') : fileSha256;
}
