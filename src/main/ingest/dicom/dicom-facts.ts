import type { DicomFacts, Eye } from '../../../shared/domain';
import { text, type DicomFile } from './read-dicom';

/** The patient, eye and source of a DICOM image, from its attributes. */
export function dicomFacts(file: DicomFile): DicomFacts & { patientId: string; eye: Eye | null } {
  const { dataset } = file;
  return {
    patientId: text(dataset.PatientID),
    // ImageLaterality (0020,0062) is the image's own; Laterality (0020,0060) the series'. 'B' (both) names no one eye.
    eye: eyeOf(text(dataset.ImageLaterality) || text(dataset.Laterality)),
    studyDate: isoDate(text(dataset.StudyDate)),
    manufacturer: text(dataset.Manufacturer) || null,
    model: text(dataset.ManufacturerModelName) || null,
  };
}

function eyeOf(laterality: string): Eye | null {
  const value = laterality.toUpperCase();
  return value === 'R' ? 'right' : value === 'L' ? 'left' : null;
}

/** A DICOM date (YYYYMMDD, or the old YYYY.MM.DD) as YYYY-MM-DD; null when absent or not a date. */
export function isoDate(value: string): string | null {
  const match = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(value);
  if (!match) return null;
  const iso = `${match[1]}-${match[2]}-${match[3]}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso;
}
