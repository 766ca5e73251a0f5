/** How the pixel data of a transfer syntax is read, or why it is not. */
export type PixelEncoding = 'native' | 'jpeg' | { refused: string };

interface TransferSyntax {
  name: string;
  encoding: PixelEncoding;
}

const NO_DECODER = 'Gradedesk has no decoder for it';

/**
 * The transfer syntaxes Gradedesk knows by name. Native (uncompressed) pixels are read as they are;
 * JPEG baseline and 8-bit extended frames are decoded by sharp (libjpeg-turbo). Everything else is
 * refused by name: sharp's prebuilt libvips has no JPEG-LS or JPEG 2000 decoder, and no kept decoder
 * is among the dependencies.
 */
const SYNTAXES: Record<string, TransferSyntax> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian (retired)', encoding: { refused: 'big-endian files are retired from the DICOM standard and not read' } },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (Process 1)', encoding: 'jpeg' },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (Process 2 & 4)', encoding: 'jpeg' },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless (Process 14)', encoding: { refused: NO_DECODER } },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless (Process 14, first-order prediction)', encoding: { refused: NO_DECODER } },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', encoding: { refused: NO_DECODER } },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless', encoding: { refused: NO_DECODER } },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Lossless', encoding: { refused: NO_DECODER } },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', encoding: { refused: NO_DECODER } },
  '1.2.840.10008.1.2.4.201': { name: 'High-Throughput JPEG 2000 Lossless', encoding: { refused: NO_DECODER } },
  '1.2.840.10008.1.2.4.202': { name: 'High-Throughput JPEG 2000 (RPCL, lossless)', encoding: { refused: NO_DECODER } },
  '1.2.840.10008.1.2.4.203': { name: 'High-Throughput JPEG 2000', encoding: { refused: NO_DECODER } },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', encoding: { refused: NO_DECODER } },
};

export function transferSyntax(uid: string): TransferSyntax {
  return SYNTAXES[uid] ?? { name: `unknown transfer syntax ${uid}`, encoding: { refused: 'it is not one Gradedesk knows (video and other encodings are not read)' } };
}

/** The syntax the DICOM re-export writes, for native pixel data. */
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
