import { ImageDecodeError, MAX_INPUT_PIXELS, type ImageSource } from '../../imaging/decode';
import { integer, text, type DicomFile } from './read-dicom';
import { transferSyntax } from './transfer-syntax';

/** The frames of a DICOM image, each decodable on its own. */
export interface DicomFrames {
  width: number;
  height: number;
  count: number;
  /** Frame `index` (0-based) as sharp reads it: raw pixels, or the JPEG as stored. */
  frame(index: number): ImageSource;
}

const unsupported = (why: string) => new ImageDecodeError('dicom-unsupported', why);
const truncated = (why: string) => new ImageDecodeError('dicom-truncated', why);

/**
 * The frames of a DICOM file's pixel data. Native 8-bit MONOCHROME1/2 and RGB (either planar
 * configuration) are read as raw pixels; JPEG baseline frames are handed to sharp as they are. Any
 * other encoding is refused with a sentence that names it; pixel data shorter than the header says is
 * refused as truncated.
 */
export function dicomFrames(file: DicomFile): DicomFrames {
  const { dataset } = file;
  const syntax = transferSyntax(file.transferSyntaxUid);
  if (typeof syntax.encoding === 'object') {
    throw unsupported(`The DICOM file's pixel data is encoded as ${syntax.name} (transfer syntax ${file.transferSyntaxUid}), which is not supported: ${syntax.encoding.refused}. Export it from the archive as uncompressed or JPEG baseline DICOM.`);
  }
  const width = integer(dataset.Columns);
  const height = integer(dataset.Rows);
  if (!width || !height || width < 1 || height < 1) throw new ImageDecodeError('dicom-damaged', 'The DICOM file has no image size (Rows and Columns); it holds no image.');
  if (width * height > MAX_INPUT_PIXELS) {
    throw new ImageDecodeError('too-many-pixels', `The image is ${width}×${height} pixels, over the limit of ${Math.round(MAX_INPUT_PIXELS / 1e6)} megapixels; it was refused to protect the machine's memory.`);
  }
  const count = integer(dataset.NumberOfFrames) ?? 1;
  if (count < 1) throw new ImageDecodeError('dicom-damaged', `The DICOM file says it holds ${count} frames.`);
  const pixelData = dataset.PixelData;
  if (!Array.isArray(pixelData) || pixelData.length === 0) throw truncated('The DICOM file has no pixel data: the file ends before its image, or it holds none.');
  // With an offset table, dcmjs gives a frame split over fragments as an array of them.
  const parts = pixelData.map((part) => (Array.isArray(part) ? Buffer.concat(part.map(bytesOf)) : bytesOf(part)));
  const frame = syntax.encoding === 'jpeg' ? jpegFrames(parts, count) : nativeFrames(file, Buffer.concat(parts), width, height, count);
  return { width, height, count, frame };
}

const bytesOf = (part: unknown) => Buffer.from(part as ArrayBuffer);

function nativeFrames(file: DicomFile, data: Buffer, width: number, height: number, count: number): DicomFrames['frame'] {
  const { dataset } = file;
  const bitsAllocated = integer(dataset.BitsAllocated);
  const samples = integer(dataset.SamplesPerPixel) ?? 1;
  const photometric = text(dataset.PhotometricInterpretation).toUpperCase();
  if (bitsAllocated !== 8) throw unsupported(`The DICOM image has ${bitsAllocated ?? 'an unknown number of'} bits per sample; only 8-bit images (such as Ophthalmic Photography 8 Bit) are read.`);
  if (integer(dataset.PixelRepresentation) === 1) throw unsupported('The DICOM image stores signed pixel values; only unsigned 8-bit images are read.');
  const monochrome = photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2';
  if (!(monochrome && samples === 1) && !(photometric === 'RGB' && samples === 3)) {
    throw unsupported(`The DICOM image's colour encoding is ${photometric || 'not given'} with ${samples} sample(s) per pixel; uncompressed images are read as MONOCHROME1, MONOCHROME2 or RGB.`);
  }
  const frameBytes = width * height * samples;
  if (data.length < frameBytes * count) {
    throw truncated(`The DICOM pixel data is truncated: ${count} frame(s) of ${width}×${height}×${samples} need ${frameBytes * count} bytes, but the file holds ${data.length}.`);
  }
  const planar = samples === 3 && integer(dataset.PlanarConfiguration) === 1;
  return (index) => {
    const stored = data.subarray(index * frameBytes, (index + 1) * frameBytes);
    const pixels = planar ? interleaved(stored, width * height) : photometric === 'MONOCHROME1' ? inverted(stored) : Buffer.from(stored);
    return { data: pixels, width, height, channels: samples as 1 | 3 };
  };
}

/** RRR…GGG…BBB… (planar configuration 1) as RGBRGB…. */
function interleaved(planes: Buffer, pixels: number): Buffer {
  const out = Buffer.allocUnsafe(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    out[i * 3] = planes[i]!;
    out[i * 3 + 1] = planes[pixels + i]!;
    out[i * 3 + 2] = planes[2 * pixels + i]!;
  }
  return out;
}

/** MONOCHROME1 shows its lowest value as white. */
function inverted(stored: Buffer): Buffer {
  const out = Buffer.allocUnsafe(stored.length);
  for (let i = 0; i < stored.length; i++) out[i] = 255 - stored[i]!;
  return out;
}

const isJpegStart = (fragment: Buffer) => fragment[0] === 0xff && fragment[1] === 0xd8;

/** Whether a JPEG ends in its end-of-image marker (a fragment is padded to an even length with one zero byte). */
function endsWholly(jpeg: Buffer): boolean {
  let end = jpeg.length;
  while (end > 2 && jpeg[end - 1] === 0x00) end--;
  return jpeg[end - 2] === 0xff && jpeg[end - 1] === 0xd9;
}

/**
 * Encapsulated JPEG frames. dcmjs returns one buffer per fragment when the file has no offset table;
 * a frame split over several fragments is put back together by where each JPEG starts.
 */
function jpegFrames(fragments: Buffer[], count: number): DicomFrames['frame'] {
  const frames: Buffer[][] = [];
  for (const fragment of fragments) {
    if (fragment.length === 0) continue;
    if (isJpegStart(fragment) || frames.length === 0) frames.push([fragment]);
    else frames[frames.length - 1]!.push(fragment);
  }
  const jpegs = frames.map((parts) => Buffer.concat(parts));
  if (jpegs.length < count || !jpegs.slice(0, count).every(endsWholly)) {
    throw truncated(`The DICOM pixel data is truncated: the file declares ${count} JPEG frame(s), but ${jpegs.filter(endsWholly).length} are complete.`);
  }
  return (index) => jpegs[index]!;
}
