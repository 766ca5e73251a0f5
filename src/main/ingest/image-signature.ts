/** How many bytes from the start of a file are enough to tell what it is (DICOM's "DICM" sits at 128). */
export const SIGNATURE_BYTES = 132;

export type Signature =
  | { kind: 'image'; format: 'jpeg' | 'png' | 'tiff' | 'bmp' | 'webp' }
  | { kind: 'dicom' }
  | { kind: 'unsupported'; format: string }
  | { kind: 'unknown' };

const startsWith = (bytes: Buffer, ...values: number[]) => values.every((value, i) => bytes[i] === value);
const ascii = (bytes: Buffer, start: number, end: number) => bytes.toString('latin1', start, end);

/**
 * What a file is, from its first bytes (its "magic number") alone, so that a file that is not an
 * image is refused without reading, let alone decoding, the rest of it.
 */
export function sniffSignature(start: Buffer): Signature {
  if (startsWith(start, 0xff, 0xd8, 0xff)) return { kind: 'image', format: 'jpeg' };
  if (startsWith(start, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { kind: 'image', format: 'png' };
  // Classic TIFF, then BigTIFF, which libvips reads too.
  if (['II*\0', 'MM\0*', 'II+\0', 'MM\0+'].includes(ascii(start, 0, 4))) return { kind: 'image', format: 'tiff' };
  if (ascii(start, 0, 2) === 'BM' && start.length > 26) return { kind: 'image', format: 'bmp' };
  if (ascii(start, 0, 4) === 'RIFF' && ascii(start, 8, 12) === 'WEBP') return { kind: 'image', format: 'webp' };
  if (start.length >= 132 && ascii(start, 128, 132) === 'DICM') return { kind: 'dicom' };
  if (ascii(start, 0, 4) === 'GIF8') return { kind: 'unsupported', format: 'GIF' };
  if (ascii(start, 4, 8) === 'ftyp') return { kind: 'unsupported', format: /^(avif|avis)/.test(ascii(start, 8, 12)) ? 'AVIF' : 'HEIF' };
  if (startsWith(start, 0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50)) return { kind: 'unsupported', format: 'JPEG 2000' };
  return { kind: 'unknown' };
}
