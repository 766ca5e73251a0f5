import { version } from '../../../package.json';
import { cocoDataset } from '../export/coco-json';
import { currentLabelsCsv, labelHistoryCsv, perGraderLabelsCsv } from '../export/labels-csv';
import { exportNaming } from '../export/naming';
import { predictionsCsv } from '../export/predictions-csv';
import { gradedRows, predictedRows, refuseUnlessDrGrade, submissionCsv } from '../export/submission-csv';
import { writeExportFile } from '../export/write-problems';
import type { CsvTable } from '../export/csv';
import type { Workspace } from './workspace';
import type { Validated } from './operation';
import { projectModel } from './project-model';
import { writeEvaluationReport, type PdfPrinter } from './evaluation-report';

const writeCsv = (file: string, { text, rows }: CsvTable, what: string) => ({ file: writeExportFile(file, text, what), rows });

type Unwritten<M extends 'exports.labels' | 'exports.predictions' | 'exports.submission' | 'exports.coco'> = Omit<Validated<M>, 'file'>;

export function exportOperations(workspace: Workspace) {
  const { store, dataDir } = workspace;
  /** The current label of every image of the project, every label event (`history`), or the current labels with each reader's (`perGrader`), as CSV. */
  const labelsCsv = ({ projectId, history, perGrader, deidentify }: Unwritten<'exports.labels'>): CsvTable => {
    const project = store.projects.get(projectId);
    const naming = exportNaming(dataDir, deidentify);
    if (history) return labelHistoryCsv(store, project, naming);
    return perGrader ? perGraderLabelsCsv(store, project, naming) : currentLabelsCsv(store, project, naming);
  };
  /** A model's prediction (default: the active one's) of every image of the project, as CSV, and which model it was. */
  const predictionsTable = ({ projectId, modelId, deidentify }: Unwritten<'exports.predictions'>): CsvTable & { modelId: number } => {
    const project = store.projects.get(projectId);
    const model = projectModel(store, project, modelId, 'so there are no predictions to export');
    return { ...predictionsCsv(store, project, model, exportNaming(dataDir, deidentify)), modelId: model.id };
  };
  /** A DR project's current grades, or a model's predicted grades, in a Kaggle submission format. */
  const submissionTable = ({ projectId, format, from, modelId, deidentify }: Unwritten<'exports.submission'>): CsvTable => {
    const project = store.projects.get(projectId);
    refuseUnlessDrGrade(project);
    const naming = exportNaming(dataDir, deidentify);
    const rows = from === 'predictions'
      ? predictedRows(store, project, projectModel(store, project, modelId, 'so there are no predicted grades to submit').id, naming)
      : gradedRows(store, project, naming);
    return submissionCsv(project, format, rows);
  };
  /** The project's images and current labels as COCO JSON text. */
  const cocoJson = ({ projectId, deidentify }: Unwritten<'exports.coco'>) => {
    const dataset = cocoDataset(store, store.projects.get(projectId), exportNaming(dataDir, deidentify), version, new Date());
    return { text: `${JSON.stringify(dataset, null, 2)}\n`, images: dataset.images.length, annotations: dataset.annotations.length };
  };
  return {
    labelsCsv,
    predictionsCsv: predictionsTable,
    submissionCsv: submissionTable,
    cocoJson,
    /** The labels CSV written to a file. */
    labels: ({ file, ...request }: Validated<'exports.labels'>) => writeCsv(file, labelsCsv(request), 'The labels'),
    /** The predictions CSV written to a file. */
    predictions({ file, ...request }: Validated<'exports.predictions'>) {
      const { modelId, ...table } = predictionsTable(request);
      return { ...writeCsv(file, table, 'The predictions'), modelId };
    },
    /** The submission written to a file. */
    submission: ({ file, ...request }: Validated<'exports.submission'>) => writeCsv(file, submissionTable(request), 'The submission'),
    /** The COCO JSON written to a file. */
    coco({ file, ...request }: Validated<'exports.coco'>) {
      const { text, ...counts } = cocoJson(request);
      return { file: writeExportFile(file, text, 'The COCO file'), ...counts };
    },
    /** A model's evaluation report (default: the active model's) as one self-contained HTML file. */
    report: (request: Validated<'exports.report'>, printToPdf?: PdfPrinter) => writeEvaluationReport(workspace, request, printToPdf),
  };
}
