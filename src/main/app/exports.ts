import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError } from '../../shared/errors';
import { currentLabelsCsv, labelHistoryCsv } from '../export/labels-csv';
import { predictionsCsv } from '../export/predictions-csv';
import { gradedRows, predictedRows, refuseUnlessDrGrade, submissionCsv } from '../export/submission-csv';
import { errorCode, writeProblem } from '../export/write-problems';
import { storageFailure } from '../store/failures';
import type { CsvTable } from '../export/csv';
import type { Workspace } from './workspace';
import type { Validated } from './operation';
import { projectModel } from './project-model';
import { writeEvaluationReport, type PdfPrinter } from './evaluation-report';

/** A CSV written to a file; `what` names it in the error ("The labels could not be written …"). */
function writeCsv(file: string, { text, rows }: CsvTable, what: string): { file: string; rows: number } {
  const written = path.resolve(file);
  try {
    fs.writeFileSync(written, text);
  } catch (error) {
    // A full or read-only disk is said as everywhere else; a wrong path in its own words.
    throw storageFailure(error) ?? new GradedeskError('invalid', `${what} could not be written to "${written}": ${writeProblem(errorCode(error))}.`);
  }
  return { file: written, rows };
}

export function exportOperations(workspace: Workspace) {
  const { store } = workspace;
  /** The current label of every image of the project, or (`history`) every label event, as CSV. */
  const labelsCsv = ({ projectId, history }: Omit<Validated<'exports.labels'>, 'file'>): CsvTable => {
    const project = store.projects.get(projectId);
    return history ? labelHistoryCsv(store, project) : currentLabelsCsv(store, project);
  };
  /** A model's prediction (default: the active one's) of every image of the project, as CSV, and which model it was. */
  const predictionsTable = ({ projectId, modelId }: Omit<Validated<'exports.predictions'>, 'file'>): CsvTable & { modelId: number } => {
    const project = store.projects.get(projectId);
    const model = projectModel(store, project, modelId, 'so there are no predictions to export');
    return { ...predictionsCsv(store, project, model), modelId: model.id };
  };
  /** A DR project's current grades, or a model's predicted grades, in a Kaggle submission format. */
  const submissionTable = ({ projectId, format, from, modelId }: Omit<Validated<'exports.submission'>, 'file'>): CsvTable => {
    const project = store.projects.get(projectId);
    refuseUnlessDrGrade(project);
    const rows = from === 'predictions'
      ? predictedRows(store, project, projectModel(store, project, modelId, 'so there are no predicted grades to submit').id)
      : gradedRows(store, project);
    return submissionCsv(project, format, rows);
  };
  return {
    labelsCsv,
    predictionsCsv: predictionsTable,
    submissionCsv: submissionTable,
    /** The labels CSV written to a file. */
    labels: ({ file, ...request }: Validated<'exports.labels'>) => writeCsv(file, labelsCsv(request), 'The labels'),
    /** The predictions CSV written to a file. */
    predictions({ file, ...request }: Validated<'exports.predictions'>) {
      const { modelId, ...table } = predictionsTable(request);
      return { ...writeCsv(file, table, 'The predictions'), modelId };
    },
    /** The submission written to a file. */
    submission: ({ file, ...request }: Validated<'exports.submission'>) => writeCsv(file, submissionTable(request), 'The submission'),
    /** A model's evaluation report (default: the active model's) as one self-contained HTML file. */
    report: (request: Validated<'exports.report'>, printToPdf?: PdfPrinter) => writeEvaluationReport(workspace, request, printToPdf),
  };
}
