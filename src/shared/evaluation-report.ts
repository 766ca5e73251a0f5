// What writing an evaluation report answers (`exports.report`, `gradedesk export report`).

export interface EvaluationReportWritten {
  /** The HTML file written, as an absolute path. */
  file: string;
  /** The PDF printed from it (desktop app only), as an absolute path; null when none was asked for. */
  pdf: string | null;
  modelId: number;
  /** Images and patients the report's figures were measured on. */
  images: number;
  patients: number;
  /** Errors shown in the gallery. */
  errorsShown: number;
  /** Why the gallery has no Grad-CAM heat maps; null when it has them (or shows no error). */
  gradCamUnavailable: string | null;
}
