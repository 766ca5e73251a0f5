import sharp from 'sharp';
import type { DicomFacts, Eye, ImportErrorKind } from '../../shared/domain';
import { cachedImagePath, THUMBNAIL_JPEG, THUMBNAIL_SIZE, writeCacheFile } from '../imaging/cache';
import { fittedImage, type ImageSource } from '../imaging/decode';
import { detailHash, hashInputFromPixels, perceptualHash } from '../imaging/perceptual-hash';

// What the analysis of one file gives import: shared by ordinary images and DICOM files.

export interface FileFacts {
  /** The file's path; for a frame of a multi-frame DICOM file, its frame address (`file.dcm#frame-2`). */
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
      /** What a DICOM file says of the image; absent for other formats. */
      dicom?: DicomImageFacts;
    })
  | (FileFacts & { status: 'error'; errorKind: ImportErrorKind; errorText: string });

/** What a DICOM file says of its patient, eye and source, for the image's row. */
export interface DicomImageFacts extends DicomFacts {
  /** PatientID; '' when the file has none. */
  patientId: string;
  eye: Eye | null;
  /** The frame's name without extension, for label files: the file's stem, with `#frame-<n>` for a frame of several. */
  stem: string;
}

/** An image decoded to thumbnail size: its hashes, and its thumbnail as a JPEG when asked for. */
export async function decodedThumbnail(source: ImageSource): Promise<{ phash: string; detailHash: string; jpeg: () => Promise<Buffer> }> {
  const thumbnail = await fittedImage(source, THUMBNAIL_SIZE).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const { width, height, channels } = thumbnail.info;
  const grey = hashInputFromPixels(thumbnail.data, width, height, channels);
  return {
    phash: perceptualHash(grey),
    detailHash: detailHash(grey),
    jpeg: () => sharp(thumbnail.data, { raw: { width, height, channels } }).jpeg(THUMBNAIL_JPEG).toBuffer(),
  };
}

/** Writes a good image's thumbnail to the cache. A cache that cannot be written says nothing about the image: it stays good, and the next import writes the thumbnail again. */
export async function withThumbnail(analysis: FileAnalysis & { status: 'ok' }, cacheDir: string, jpeg: Buffer): Promise<FileAnalysis> {
  try {
    await writeCacheFile(cachedImagePath(cacheDir, 'thumbnails', analysis.sha256), jpeg);
  } catch (error) {
    analysis.cacheProblem = `The image is good, but its thumbnail could not be written to the cache (${(error as Error).message}); the next import writes it again.`;
  }
  return analysis;
}

export const failure = (facts: FileFacts, errorKind: ImportErrorKind, errorText: string): FileAnalysis => ({
  ...facts,
  status: 'error',
  errorKind,
  errorText,
});
