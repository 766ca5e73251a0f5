// Kaggle's diabetic retinopathy submission formats: an image's name without its extension and a grade.
import type { Project } from '../../shared/domain';
import { invalid } from '../../shared/errors';
import type { SubmissionFormat } from '../../shared/exports';
import type { Store } from '../store';
import { toCsv, type CsvTable } from './csv';
import type { ExportNaming } from './naming';

const HEADERS: Record<SubmissionFormat, readonly [string, string]> = {
  aptos: ['id_code', 'diagnosis'],
  eyepacs: ['image', 'level'],
};

/** One row of a submission: the file name without its extension, and a DR grade. */
export interface SubmissionRow {
  stem: string;
  grade: number;
}

/** The current grade of every graded image of a DR project. */
export function gradedRows(store: Store, project: Project, naming: ExportNaming): SubmissionRow[] {
  return store.exports.currentLabels(project.id).flatMap((row) => (typeof row.value === 'number' ? [{ stem: naming.image(row).stem, grade: row.value }] : []));
}

/** The model's predicted grade of every image it has predicted. */
export function predictedRows(store: Store, project: Project, modelId: number, naming: ExportNaming): SubmissionRow[] {
  return store.exports
    .predictions(project.id, modelId)
    .flatMap((row) => (typeof row.prediction?.predicted === 'number' ? [{ stem: naming.image(row).stem, grade: row.prediction.predicted }] : []));
}

/** Only DR grading has the grades these formats hold. */
export function refuseUnlessDrGrade(project: Project): void {
  if (project.task.kind !== 'dr-grade') {
    throw invalid(`Submission files (APTOS, EyePACS) hold DR grades; ${project.name} is a ${project.task.kind} project.`);
  }
}

/**
 * The rows in a competition's format. A name may appear once: two files differing only in their
 * extension (or folder) would give the scorer two answers for one image.
 */
export function submissionCsv(project: Project, format: SubmissionFormat, rows: readonly SubmissionRow[]): CsvTable {
  refuseUnlessDrGrade(project);
  const seen = new Set<string>();
  for (const { stem } of rows) {
    if (seen.has(stem)) throw invalid(`Two images of ${project.name} are named "${stem}" without their extension; a submission needs each name once.`);
    seen.add(stem);
  }
  return toCsv(HEADERS[format], rows.map(({ stem, grade }) => [stem, grade]));
}
