// The evaluation report without direct identifiers: the gallery's file names become image pseudonyms, the
// source folders are removed, and graders are named by their pseudonyms (in the notes too), through the
// same ExportNaming as every other de-identified export.
import type { AgreementSummary } from '../../../shared/agreement';
import type { ExportNaming } from '../naming';
import type { EvaluationReportData } from './report-data';

export function deidentifiedReport(data: EvaluationReportData, naming: ExportNaming): EvaluationReportData {
  const images = data.measuredOn.folders.reduce((sum, folder) => sum + folder.images, 0);
  return {
    ...data,
    deidentified: true,
    measuredOn: { ...data.measuredOn, folders: images ? [{ folder: naming.freeText('folders')!, images }] : [] },
    agreement: 'summary' in data.agreement ? { ...data.agreement, summary: pseudonymousAgreement(data.agreement.summary, naming) } : data.agreement,
    gallery: {
      ...data.gallery,
      cases: data.gallery.cases.map((item) => ({
        ...item,
        fileName: naming.image({ imageId: item.imageId, stem: '', fileName: item.fileName, groupId: '', eye: null }).fileName,
      })),
    },
  };
}

function pseudonymousAgreement(summary: AgreementSummary, naming: ExportNaming): AgreementSummary {
  const pseudonyms = new Map(summary.readers.map((name) => [name, naming.reader(name)!]));
  const rename = (name: string) => pseudonyms.get(name) ?? name;
  // Longest names first, so that "Ann" never replaces the start of "Anna" in a sentence.
  const byLength = [...pseudonyms.keys()].sort((a, b) => b.length - a.length);
  const renameIn = (sentence: string) => byLength.reduce((text, name) => text.split(name).join(rename(name)), sentence);
  return {
    ...summary,
    readers: summary.readers.map(rename),
    pairs: summary.pairs.map((pair) => ({ ...pair, readers: [rename(pair.readers[0]), rename(pair.readers[1])] })),
    againstReference: summary.againstReference.map((row) => (row.kind === 'reader' ? { ...row, grader: rename(row.grader) } : row)),
    fleiss: summary.fleiss && { ...summary.fleiss, readers: summary.fleiss.readers.map(rename) },
    notes: summary.notes.map(renameIn),
  };
}
