import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError } from '../../shared/errors';
import { currentLabelsCsv, labelHistoryCsv } from '../export/labels-csv';
import { errorCode, writeProblem } from '../export/write-problems';
import { storageFailure } from '../store/failures';
import type { CsvTable } from '../export/csv';
import type { Workspace } from './workspace';
import type { Validated } from './operation';

export function exportOperations({ store }: Workspace) {
  /** The current label of every image of the project, or (`history`) every label event, as CSV. */
  const labelsCsv = ({ projectId, history }: Omit<Validated<'exports.labels'>, 'file'>): CsvTable => {
    const project = store.projects.get(projectId);
    return history ? labelHistoryCsv(store, project) : currentLabelsCsv(store, project);
  };
  return {
    labelsCsv,
    /** The labels CSV written to a file. */
    labels({ file, ...request }: Validated<'exports.labels'>) {
      const { text, rows } = labelsCsv(request);
      const written = path.resolve(file);
      try {
        fs.writeFileSync(written, text);
      } catch (error) {
        // A full or read-only disk is said as everywhere else; a wrong path in its own words.
        throw storageFailure(error) ?? new GradedeskError('invalid', `The labels could not be written to "${written}": ${writeProblem(errorCode(error))}.`);
      }
      return { file: written, rows };
    },
  };
}
