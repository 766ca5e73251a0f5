import dcmjs, { type DicomDict, type NaturalizedDataset } from 'dcmjs';
import { ImageDecodeError } from '../../imaging/decode';

// dcmjs reports what it tolerates (short values, odd lengths) on the console; Gradedesk says it in the import report instead.
dcmjs.log.setLevel('silent');
dcmjs.log.getLogger?.('validation.dcmjs').setLevel('silent');

const { DicomMessage, DicomMetaDictionary } = dcmjs.data;

/** Bytes 128–131 of a DICOM Part 10 file: after the 128-byte preamble. */
export const DICOM_MAGIC_OFFSET = 128;

export interface DicomFile {
  /** The file meta information (group 0002), by keyword. */
  meta: NaturalizedDataset;
  /** The dataset, by keyword. */
  dataset: NaturalizedDataset;
  /** As dcmjs read it, for writing back out. */
  dict: DicomDict;
  transferSyntaxUid: string;
}

export const hasDicomPreamble = (bytes: Buffer) =>
  bytes.length >= DICOM_MAGIC_OFFSET + 4 && bytes.toString('latin1', DICOM_MAGIC_OFFSET, DICOM_MAGIC_OFFSET + 4) === 'DICM';

/**
 * A DICOM Part 10 file, parsed by dcmjs. A file without the "DICM" preamble, or whose header cannot be
 * parsed, is refused with its own error kind. `headerOnly` stops before the pixel data (DICOMDIRs,
 * quick looks).
 */
export function readDicom(bytes: Buffer, options: { headerOnly?: boolean } = {}): DicomFile {
  if (!hasDicomPreamble(bytes)) {
    throw new ImageDecodeError(
      'dicom-bad-preamble',
      'The file is named like a DICOM file but has no DICOM preamble (the letters "DICM" after the first 128 bytes); it is not a DICOM Part 10 file, or its start is damaged.',
    );
  }
  let dict: DicomDict;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
    dict = DicomMessage.readFile(buffer, options.headerOnly ? { untilTag: '7FE00010', includeUntilTagValue: false } : {});
  } catch (error) {
    throw new ImageDecodeError('dicom-damaged', `The DICOM header is damaged and cannot be read (${(error as Error).message}).`);
  }
  const meta = DicomMetaDictionary.naturalizeDataset(dict.meta);
  const dataset = DicomMetaDictionary.naturalizeDataset(dict.dict);
  const transferSyntaxUid = text(meta.TransferSyntaxUID);
  if (!transferSyntaxUid) throw new ImageDecodeError('dicom-damaged', 'The DICOM file meta information names no transfer syntax, so its pixel data cannot be read.');
  return { meta, dataset, dict, transferSyntaxUid };
}

/** A string attribute's value, trimmed; '' when absent. (Person names come as objects; they are never read here.) */
export function text(value: unknown): string {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : typeof first === 'number' ? String(first) : '';
}

/** A numeric attribute's value; null when absent or not a number. */
export function integer(value: unknown): number | null {
  const first = Array.isArray(value) ? value[0] : value;
  const number = typeof first === 'number' ? first : typeof first === 'string' && first.trim() !== '' ? Number(first) : NaN;
  return Number.isInteger(number) ? number : null;
}
