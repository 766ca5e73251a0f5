/** What a DICOM re-export wrote. */
export interface DicomExportResult {
  folder: string;
  /** De-identified DICOM files written, one per source file (a multi-frame file keeps its frames), as `<pseudonym>/<new SOP instance UID>.dcm`. */
  files: number;
  /** The project's images they hold. */
  images: number;
  /** Source files not written, and why: gone, changed since they were imported, unreadable. */
  skipped: Array<{ path: string; reason: string }>;
}
