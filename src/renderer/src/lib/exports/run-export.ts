import type { SubmissionSource } from '../../../../shared/exports';
import { call } from '../api';
import { plural } from '../format';
import type { ExportFormat } from './export-formats';

export interface ExportChoice {
  projectId: number;
  file: string;
  deidentify: boolean;
  /** Submissions only: the current labels, or the active model's predicted grades. */
  from: SubmissionSource;
}

const rowsWritten = ({ rows, file }: { rows: number; file: string }) => `Wrote ${plural(rows, 'row')} to ${file}.`;

/** Writes the export through its api call; answers with what was written, in a sentence. */
export async function runExport({ target }: ExportFormat, { projectId, file, deidentify, from }: ExportChoice): Promise<string> {
  const common = { projectId, file, deidentify };
  switch (target.method) {
    case 'exports.labels':
      return rowsWritten(await call('exports.labels', { ...common, history: target.history, perGrader: target.perGrader }));
    case 'exports.predictions': {
      const written = await call('exports.predictions', common);
      return `Wrote the predictions of model ${written.modelId} for ${plural(written.rows, 'image')} to ${written.file}.`;
    }
    case 'exports.submission':
      return rowsWritten(await call('exports.submission', { ...common, format: target.format, from }));
    case 'exports.coco': {
      const written = await call('exports.coco', common);
      return `Wrote ${plural(written.images, 'image')} and ${plural(written.annotations, 'label')} to ${written.file}.`;
    }
  }
}
