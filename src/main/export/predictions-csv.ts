import type { Project } from '../../shared/domain';
import { describeLabel } from '../../shared/labels';
import type { ModelSummary } from '../../shared/ml';
import type { Store } from '../store';
import { toCsv, type CsvCell, type CsvTable } from './csv';
import { labelCell } from './labels-csv';
import type { ExportNaming } from './naming';

/** Expected grade and P(referable) to the 6 decimals the probabilities are stored with. */
const rounded = (value: number | null): CsvCell => (value === null ? null : Math.round(value * 1e6) / 1e6);

/**
 * A model's prediction of every readable image of its project, one row per image: a probability column
 * per class (`p_<class>`), the predicted label and, for DR grading, the expected grade and P(referable).
 * Images the model has not predicted keep their row with the prediction's cells empty.
 */
export function predictionsCsv(store: Store, project: Project, model: ModelSummary, naming: ExportNaming): CsvTable {
  const dr = project.task.kind === 'dr-grade';
  const columns = [
    'image', 'file', 'image_id', 'group', 'eye', 'model_id', 'model_name',
    ...project.task.classes.map((name) => `p_${name}`),
    'predicted', 'predicted_name', ...(dr ? ['expected_grade'] : []), 'out_of_fold', ...(dr ? ['p_referable'] : []),
  ];
  const noProbabilities = project.task.classes.map(() => null);
  return toCsv(
    columns,
    store.exports.predictions(project.id, model.id).map((row): CsvCell[] => {
      const { prediction: p, ...image } = naming.image(row);
      return [
        image.stem, image.fileName, image.imageId, image.groupId, image.eye ?? '', model.id, model.name,
        ...(p?.probabilities ?? noProbabilities),
        p ? labelCell(p.predicted) : null, p ? describeLabel(project.task, p.predicted) : null,
        ...(dr ? [rounded(p?.expected ?? null)] : []),
        p ? (p.outOfFold ? 1 : 0) : null,
        ...(dr ? [rounded(p?.referable ?? null)] : []),
      ];
    }),
  );
}
