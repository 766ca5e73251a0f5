// The DICOM re-export: an image's DICOM file written again without what identifies its patient, under
// the DICOM PS3.15 Basic Application Level Confidentiality Profile. Rather than strike the profile's
// list of attributes one by one, it keeps only an allow-list (the pixels and what is needed to show
// them, the camera, the eye), so that private attributes, free text and anything the list forgot are
// gone too. Names, birth date, accession number, dates and institution are removed or emptied, every
// UID is replaced by a keyed hash (the same in every export from this data directory), and PatientID
// becomes the patient's keyed pseudonym.
import { createHmac } from 'node:crypto';
import dcmjs, { type NaturalizedDataset } from 'dcmjs';
import { keyedPseudonym, pseudonymKey } from './pseudonym';

dcmjs.log.setLevel('silent');
dcmjs.log.getLogger?.('validation.dcmjs').setLevel('silent');

const { DicomDict, DicomMessage, DicomMetaDictionary } = dcmjs.data;

/** Kept as they are: the pixels and how to read them, the kind of image, the camera, the eye. */
const KEPT = [
  'SpecificCharacterSet',
  'ImageType',
  'SOPClassUID',
  'Modality',
  'ConversionType',
  'Manufacturer',
  'ManufacturerModelName',
  'SeriesNumber',
  'InstanceNumber',
  'PatientOrientation',
  'Laterality',
  'ImageLaterality',
  'BurnedInAnnotation',
  'SamplesPerPixel',
  'PhotometricInterpretation',
  'PlanarConfiguration',
  'NumberOfFrames',
  'Rows',
  'Columns',
  'PixelSpacing',
  'PixelAspectRatio',
  'BitsAllocated',
  'BitsStored',
  'HighBit',
  'PixelRepresentation',
  'LossyImageCompression',
  'LossyImageCompressionRatio',
  'LossyImageCompressionMethod',
  'PixelData',
] as const;

/** Replaced by keyed hashes, consistently: the same original UID gives the same new one. */
const REPLACED_UIDS = ['SOPInstanceUID', 'StudyInstanceUID', 'SeriesInstanceUID', 'FrameOfReferenceUID'] as const;

/** Type 2 attributes of the patient and study modules: present, but empty (the profile's "Z"). */
const EMPTIED = ['PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber'] as const;

const NATIVE_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99']);
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Gradedesk's implementation class UID (a UUID-derived 2.25 UID). */
const IMPLEMENTATION_CLASS_UID = '2.25.238436019858106185924787409376925148317';

export const DEIDENTIFICATION_METHOD =
  'Gradedesk: DICOM PS3.15 Basic Application Level Confidentiality Profile, by allow-list (private attributes, names, dates, free text removed; UIDs replaced by keyed hashes; patient id replaced by a keyed pseudonym). Pixel data unchanged: burned-in text is not removed.';

export interface Pseudonymiser {
  /** The patient's keyed pseudonym ('P-' and 12 hex digits). */
  patient(patientId: string): string;
  /** A UID's keyed replacement, under the 2.25 root (a UID derived from a UUID-sized number). */
  uid(original: string): string;
}

/**
 * The pseudonyms of a data directory, from its pseudonym key (export/pseudonym.ts). UIDs are hashed
 * with the same key as patient ids, under their own prefix.
 */
export function pseudonymiser(dataDir: string): Pseudonymiser {
  const key = pseudonymKey(dataDir);
  return {
    patient: (patientId) => keyedPseudonym(key, 'P', patientId),
    uid: (original) => `2.25.${BigInt('0x' + createHmac('sha256', key).update(`dicom-uid:${original}`).digest('hex').slice(0, 32)).toString()}`,
  };
}

export interface DeidentifiedFile {
  bytes: Buffer;
  pseudonym: string;
  sopInstanceUid: string;
}

/**
 * A DICOM file's bytes, de-identified. `source.groupId` is the patient the image is filed under, used
 * when the file has no PatientID; `source.sha256` stands in for a missing SOPInstanceUID.
 */
export function deidentifiedDicom(bytes: Buffer, source: { groupId: string; sha256: string }, names: Pseudonymiser): DeidentifiedFile {
  const read = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
  const meta = DicomMetaDictionary.naturalizeDataset(read.meta);
  const original = DicomMetaDictionary.naturalizeDataset(read.dict);
  const dataset: NaturalizedDataset = {};
  for (const keyword of KEPT) if (original[keyword] !== undefined) dataset[keyword] = original[keyword];
  for (const keyword of REPLACED_UIDS) {
    const uid = first(original[keyword]);
    if (uid) dataset[keyword] = names.uid(uid);
  }
  dataset.SOPInstanceUID ??= names.uid(`sha256:${source.sha256}`);
  for (const keyword of EMPTIED) dataset[keyword] = '';
  const pseudonym = names.patient(first(original.PatientID) || source.groupId);
  Object.assign(dataset, {
    PatientName: pseudonym,
    PatientID: pseudonym,
    PatientIdentityRemoved: 'YES',
    DeidentificationMethod: DEIDENTIFICATION_METHOD,
    DeidentificationMethodCodeSequence: [{ CodeValue: '113100', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Basic Application Confidentiality Profile' }],
    _vrMap: { PixelData: 'OB' },
  });
  const sourceSyntax = first(meta.TransferSyntaxUID);
  const newMeta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: first(original.SOPClassUID),
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    // Native pixels are written explicit little endian; encapsulated (JPEG) frames keep their syntax.
    TransferSyntaxUID: NATIVE_SYNTAXES.has(sourceSyntax) ? EXPLICIT_VR_LITTLE_ENDIAN : sourceSyntax,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'GRADEDESK',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(newMeta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return { bytes: Buffer.from(dict.write({ fragmentMultiframe: false })), pseudonym, sopInstanceUid: dataset.SOPInstanceUID as string };
}

function first(value: unknown): string {
  const item = Array.isArray(value) ? value[0] : value;
  return typeof item === 'string' ? item.trim() : '';
}
