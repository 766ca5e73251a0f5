import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DicomExportResult } from '../../shared/dicom-export';
import { notFound } from '../../shared/errors';
import { deidentifiedDicom, pseudonymiser } from '../export/dicom-export';
import { writeFailure } from '../export/write-problems';
import { MAX_IMAGE_BYTES } from '../imaging/decode';
import { frameSha256 } from '../ingest/dicom/analyse-dicom';
import { parseFrameAddress } from '../ingest/dicom/frame-address';
import { readRegularFile } from '../ingest/regular-file';
import type { Validated } from './operation';
import type { Workspace } from './workspace';

export function dicomExportOperations({ store, dataDir }: Workspace) {
  /**
   * The project's DICOM-sourced images written again as de-identified DICOM files into `folder`
   * (export/dicom-export.ts says what is removed and replaced). A source file is checked against the
   * content hash recorded at import: one that is gone or has changed since is skipped and said why.
   */
  async function dicom({ projectId, folder }: Validated<'exports.dicom'>): Promise<DicomExportResult> {
    const project = store.projects.get(projectId);
    const images = store.images.dicomImages(project.id);
    if (images.length === 0) throw notFound(`Project "${project.name}" has no images imported from DICOM, so there is nothing to export as DICOM.`);
    const out = path.resolve(folder);
    const names = pseudonymiser(dataDir);
    // A multi-frame file is one image per frame but one file to write.
    const byFile = new Map<string, typeof images>();
    for (const image of images) {
      const { file } = parseFrameAddress(image.path);
      byFile.set(file, [...(byFile.get(file) ?? []), image]);
    }
    const result: DicomExportResult = { folder: out, files: 0, images: 0, skipped: [] };
    const targets = new Set<string>();
    for (const [file, frames] of byFile) {
      const first = frames[0]!;
      let bytes: Buffer;
      try {
        bytes = await readRegularFile(file, MAX_IMAGE_BYTES);
      } catch (error) {
        result.skipped.push({ path: file, reason: `The file could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).` });
        continue;
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (frameSha256(sha256, first.path) !== first.sha256) {
        result.skipped.push({ path: file, reason: 'The file has changed since it was imported; import the folder again to export it.' });
        continue;
      }
      let written;
      try {
        written = deidentifiedDicom(bytes, { groupId: first.groupId, sha256 }, names);
      } catch (error) {
        result.skipped.push({ path: file, reason: `The file could not be written again as DICOM (${(error as Error).message}).` });
        continue;
      }
      // Two files with one SOP instance UID (copies) are both written, the second under another name.
      const name = (n: number) => path.join(out, written.pseudonym, `${written.sopInstanceUid}${n > 1 ? `-${n}` : ''}.dcm`);
      let copy = 1;
      while (targets.has(name(copy))) copy += 1;
      const target = name(copy);
      targets.add(target);
      try {
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.writeFile(target, written.bytes);
      } catch (error) {
        throw writeFailure(error, 'The DICOM export', out);
      }
      result.files += 1;
      result.images += frames.length;
    }
    return result;
  }
  return { dicom };
}
