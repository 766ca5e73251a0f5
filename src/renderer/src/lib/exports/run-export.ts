import type { SubmissionSource } from '../../../../shared/exports';
import { call, CallError } from '../api';
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
    case 'exports.report': {
      const written = await call('exports.report', { projectId, file, deidentify });
      const gallery = written.gradCamUnavailable ? ` The largest errors are shown without Grad-CAM: ${written.gradCamUnavailable}` : '';
      return `Wrote the evaluation report of model ${written.modelId}, measured on ${plural(written.images, 'image')} of ${plural(written.patients, 'patient')}, to ${written.file}.${gallery}`;
    }
    case 'models.exportBundle': {
      const written = await call('models.exportBundle', { modelId: await activeModelId(projectId), file });
      return `Wrote the model bundle (${plural(written.models, 'model')}, SHA-256 ${written.sha256.slice(0, 12)}…) to ${written.file}.`;
    }
    case 'exports.dicom': {
      const written = await call('exports.dicom', { projectId, folder: file });
      const skipped = written.skipped.length ? ` ${plural(written.skipped.length, 'source file')} could not be written (${written.skipped[0]!.reason}${written.skipped.length > 1 ? ', …' : ''}).` : '';
      return `Wrote ${plural(written.files, 'de-identified DICOM file')} (${plural(written.images, 'image')}) into ${written.folder}.${skipped}`;
    }
  }
}

async function activeModelId(projectId: number): Promise<number> {
  const active = (await call('models.list', { projectId })).find((model) => model.active);
  if (!active) throw new CallError({ code: 'invalid', message: 'This project has no active model to bundle: train one first (Train view).' });
  return active.id;
}
