import sharp, { type Metadata, type Sharp } from 'sharp';
import { decode as decodeBmp } from 'bmp-ts';
import type { ImportErrorKind } from '../../shared/domain';

/**
 * The largest image we decode. Real fundus, dermoscopy and microscopy images stay well below
 * 40 megapixels; anything far larger is a decompression bomb or the wrong kind of file.
 */
export const MAX_INPUT_PIXELS = 100_000_000;

/**
 * The largest file read as an image. A 100-megapixel 8-bit RGB TIFF, uncompressed, is 300 MB; fundus,
 * dermoscopy and microscopy files are far smaller. Anything larger is refused before it is read.
 */
export const MAX_IMAGE_BYTES = 512 * 2 ** 20;

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
  constructor(
    readonly kind: ImportErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Pixels already decoded, 8 bits a sample, interleaved: a DICOM frame stored uncompressed. */
export interface RawPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** What an image is read from: an encoded file (JPEG, PNG, …, or a JPEG frame of a DICOM file), or raw pixels. */
export type ImageSource = Buffer | RawPixels;

/**
 * A sharp pipeline for an image, EXIF orientation applied. Fails early (on first use)
 * for files over the pixel limit, and strictly on truncated or corrupt data rather than
 * returning a half-grey image.
 */
export function openImage(source: ImageSource, maxPixels = MAX_INPUT_PIXELS): Sharp {
  if (!Buffer.isBuffer(source)) {
    const { data, width, height, channels } = source;
    if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);
    return sharp(data, { raw: { width, height, channels } });
  }
  const bytes = source;
  if (isBmp(bytes)) return openBmp(bytes, maxPixels);
  return sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated' }).rotate();
}

/**
 * An image decoded as 8-bit sRGB RGB on black, shrunk (never enlarged) to fit `size` × `size`:
 * the start of every derived image (thumbnail, display copy, preprocessed view).
 */
export function fittedImage(source: ImageSource, size: number): Sharp {
  return openImage(source)
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#000000' })
    .toColourspace('srgb');
}

const isBmp = (bytes: Buffer) => bytes.length > 26 && bytes[0] === 0x42 && bytes[1] === 0x4d;

/** libvips has no BMP loader in sharp's prebuilt binaries, so BMP files go through a pure TS decoder. */
function openBmp(bytes: Buffer, maxPixels: number): Sharp {
  const width = Math.abs(bytes.readInt32LE(18));
  const height = Math.abs(bytes.readInt32LE(22));
  if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);
  let image;
  try {
    image = decodeBmp(bytes, { toRGBA: true });
  } catch (error) {
    throw new ImageDecodeError('corrupt-image', `The BMP file is damaged (${(error as Error).message}).`);
  }
  // The decoder's alpha byte is 0 for 24-bit files: drop it here, or a later flatten would paint the image black.
  const rgb = Buffer.alloc(image.width * image.height * 3);
  for (let pixel = 0, i = 0; i < rgb.length; pixel += 4, i += 3) {
    rgb[i] = image.data[pixel]!;
    rgb[i + 1] = image.data[pixel + 1]!;
    rgb[i + 2] = image.data[pixel + 2]!;
  }
  return sharp(rgb, { raw: { width: image.width, height: image.height, channels: 3 } });
}

const tooManyPixels = (width: number, height: number, maxPixels: number) =>
  new ImageDecodeError(
    'too-many-pixels',
    `The image is ${width}×${height} pixels, over the limit of ${Math.round(maxPixels / 1e6)} megapixels; it was refused to protect the machine's memory.`,
  );

export interface ImageHeader {
  format: string;
  /** After EXIF orientation. */
  width: number;
  height: number;
  /** An 8-bit sRGB JPEG with no rotation to apply: a browser shows the file exactly as it is. */
  plainJpeg: boolean;
}

/** Reads the format and size from the header alone, refusing oversized images before decoding. */
export async function readHeader(bytes: Buffer, maxPixels = MAX_INPUT_PIXELS): Promise<ImageHeader> {
  if (isBmp(bytes)) {
    const width = Math.abs(bytes.readInt32LE(18));
    const height = Math.abs(bytes.readInt32LE(22));
    if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);
    return { format: 'bmp', width, height, plainJpeg: false };
  }
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch (error) {
    throw classifyDecodeError(error);
  }
  const { width = 0, height = 0, format } = metadata;
  if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);
  if (!['jpeg', 'png', 'tiff', 'webp'].includes(format)) {
    throw new ImageDecodeError('unsupported-format', `${format.toUpperCase()} images are not supported; use JPEG, PNG, TIFF, BMP or WebP.`);
  }
  // EXIF orientations 5–8 swap the sides.
  const orientation = metadata.orientation ?? 1;
  const rotated = orientation >= 5;
  const plainJpeg = format === 'jpeg' && orientation === 1 && metadata.space === 'srgb' && metadata.channels === 3 && metadata.depth === 'uchar';
  return { format, width: rotated ? height : width, height: rotated ? width : height, plainJpeg };
}

/** Turns sharp's (libvips') error text into one of our error kinds with a sentence a user can act on. */
export function classifyDecodeError(error: unknown): ImageDecodeError {
  if (error instanceof ImageDecodeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message)) {
    return new ImageDecodeError('not-an-image', 'The file is not an image in any supported format (its contents are not JPEG, PNG, TIFF, BMP or WebP).');
  }
  if (/pixel limit/i.test(message)) {
    return new ImageDecodeError('too-many-pixels', `The image is over the limit of ${Math.round(MAX_INPUT_PIXELS / 1e6)} megapixels; it was refused to protect the machine's memory.`);
  }
  const detail = message.split('\n')[0]!.replace(/^(Error: )?/, '');
  return new ImageDecodeError('corrupt-image', `The image data is damaged or incomplete (${detail}).`);
}
