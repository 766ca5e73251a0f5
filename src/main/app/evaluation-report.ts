// The evaluation report of a model: its card, its out-of-fold figures (the very ones `models.evaluate`
// answers), agreement between graders, and its largest errors with their Grad-CAM, written as one HTML file.
import path from 'node:path';
import sharp from 'sharp';
import { version } from '../../../package.json';
import type { Project } from '../../shared/domain';
import { GradedeskError } from '../../shared/errors';
import type { EvaluationReportWritten } from '../../shared/evaluation-report';
import { describeLabel } from '../../shared/labels';
import { DEFAULT_REFERRAL_THRESHOLD, type ModelDetail } from '../../shared/ml';
import type { ClassCount, ErrorCase, ErrorGallery, EvaluationReportData, ModelCard } from '../export/report/report-data';
import { evaluationReportHtml } from '../export/report/report-html';
import { writeExportFile } from '../export/write-problems';
import { exportNaming } from '../export/naming';
import { deidentifiedReport } from '../export/report/deidentify-report';
import { agreementSummary } from '../ml/evaluate/agreement-summary';
import { largestErrors, type RankedError } from '../ml/evaluate/largest-errors';
import { evaluatedImages, evaluateModel } from '../ml/evaluate/model-evaluation';
import { cachedGradCam, dropStaleGradCams } from '../ml/explain/gradcam-cache';
import { gradCamOverlay } from '../ml/explain/gradcam-render';
import { mediaFile } from '../media';
import type { Workspace } from './workspace';
import { projectModel } from './project-model';

/** Errors shown in the gallery: enough to see a pattern, few enough to print on two pages. */
export const GALLERY_SIZE = 12;
const PICTURE_SIZE = 256;

/** Prints an HTML file to PDF bytes: Electron's printToPDF, in the desktop app only. */
export type PdfPrinter = (htmlFile: string) => Promise<Buffer>;

export async function writeEvaluationReport(
  workspace: Workspace,
  request: { projectId: number; modelId?: number; file: string; pdf?: string; deidentify?: boolean },
  printToPdf?: PdfPrinter,
): Promise<EvaluationReportWritten> {
  if (request.pdf !== undefined && !printToPdf) {
    throw new GradedeskError('unsupported', 'Only the desktop app prints the report to PDF; here, open the HTML report in Chromium and print it ("Save as PDF").');
  }
  const { store } = workspace;
  const project = store.projects.get(request.projectId);
  const model = projectModel(store, project, request.modelId, 'so there is no model to report on');
  const evaluation = evaluateModel(store, model.id);
  const images = evaluatedImages(store, model);
  const paths = new Map(store.images.readable(project.id).map((image) => [image.id, image.path]));
  const gallery = await errorGallery(workspace, project, model, largestErrors(images, { ordered: model.taskKind === 'dr-grade' }));
  const recorded: EvaluationReportData = {
    card: modelCard(workspace, project, model),
    evaluation,
    measuredOn: { images: images.length, patients: new Set(images.map((i) => i.group)).size, folders: foldersOf(images.map((i) => paths.get(i.imageId))) },
    agreement: agreementOf(workspace, project, model),
    gallery,
    appVersion: version,
    createdAt: new Date().toISOString(),
  };
  const data = request.deidentify ? deidentifiedReport(recorded, exportNaming(workspace.dataDir, true)) : recorded;
  const file = writeExportFile(request.file, evaluationReportHtml(data), 'The report');
  const pdf = request.pdf === undefined ? null : writeExportFile(request.pdf, await printToPdf!(file), 'The report');
  return { file, pdf, modelId: model.id, images: images.length, patients: data.measuredOn.patients, errorsShown: gallery.cases.length, gradCamUnavailable: gallery.gradCamUnavailable };
}

function modelCard(workspace: Workspace, project: Project, model: ModelDetail): ModelCard {
  const { store } = workspace;
  const groups = new Map(store.images.readable(project.id).map((image) => [image.id, image.groupId]));
  const snapshot = new Map((model.members ?? [model.id]).flatMap((id) => store.models.trainingImages(id)).map((image) => [image.imageId, image.label]));
  const byClass: ClassCount[] = model.classes.map((name, k) => {
    const ids = [...snapshot].filter(([, label]) => (Array.isArray(label) ? label.includes(k) : label === k)).map(([id]) => id);
    return { name: model.taskKind === 'dr-grade' ? `${k} (${name})` : name, images: ids.length, patients: new Set(ids.map((id) => groups.get(id) ?? String(id))).size };
  });
  const backbone = workspace.engine.backbones.list().find((b) => b.id === model.backboneId);
  return {
    modelId: model.id,
    modelName: model.name,
    projectName: project.name,
    taskKind: model.taskKind,
    backbone: { id: model.backboneId, name: backbone?.name ?? model.backboneId, note: backbone?.note ?? null },
    inputSize: model.inputSize,
    head: model.head,
    strategy: model.strategy === 'fine-tune' ? 'fine-tuned backbone' : model.strategy === 'ensemble' ? 'ensemble (averaged probabilities)' : 'head on frozen backbone features',
    preprocessing: model.preprocessing,
    validation: model.options.validation,
    epochs: model.options.epochs,
    seed: model.options.seed,
    members: model.members,
    trainingImages: snapshot.size,
    trainingPatients: new Set([...snapshot.keys()].map((id) => groups.get(id) ?? String(id))).size,
    byClass,
    trainedAt: model.finishedAt ?? model.createdAt,
    referralThreshold: model.referralThreshold ?? DEFAULT_REFERRAL_THRESHOLD,
    defaultThreshold: model.referralThreshold === null,
  };
}

/** The folders the evaluated images' files lie in, most images first. */
function foldersOf(files: ReadonlyArray<string | undefined>): Array<{ folder: string; images: number }> {
  const counts = new Map<string, number>();
  for (const file of files) if (file) counts.set(path.dirname(file), (counts.get(path.dirname(file)) ?? 0) + 1);
  return [...counts].map(([folder, images]) => ({ folder, images })).sort((a, b) => b.images - a.images || a.folder.localeCompare(b.folder));
}

function agreementOf(workspace: Workspace, project: Project, model: ModelDetail): EvaluationReportData['agreement'] {
  try {
    const active = workspace.store.models.active(project.id);
    return { summary: agreementSummary(workspace.store, project.id), activeModelName: active && active.id !== model.id ? active.name : null };
  } catch (error) {
    if (error instanceof GradedeskError) return { unavailable: error.message };
    throw error;
  }
}

type Ranked = RankedError<ReturnType<typeof evaluatedImages>[number]>;

/** The largest errors with their pictures: Grad-CAM overlays where the model can be explained, else the photographs. */
async function errorGallery(workspace: Workspace, project: Project, model: ModelDetail, errors: Ranked[]): Promise<ErrorGallery> {
  const shown = errors.slice(0, GALLERY_SIZE);
  const targetOf = ({ item }: Ranked) => (typeof item.predicted === 'number' ? item.predicted : item.predicted[0] ?? 0);
  const gradCamUnavailable = shown.length === 0 ? null : await makeGradCams(workspace, project, model, shown.map((error) => ({ imageId: error.item.imageId, targetClass: targetOf(error) })));
  const cases: ErrorCase[] = [];
  for (const error of shown) {
    const { item } = error;
    const cam = gradCamUnavailable === null ? cachedGradCam(workspace.cacheDir, model, item.imageId, targetOf(error)) : null;
    cases.push({
      imageId: item.imageId,
      fileName: workspace.store.images.get(item.imageId).fileName,
      label: describeLabel(project.task, item.label),
      predicted: describeLabel(project.task, item.predicted),
      confidence: error.confidence,
      overlay: cam ? await jpegDataUrl(await gradCamOverlay(cam, 0.5)) : null,
      photo: cam ? null : await photoDataUrl(workspace, item.imageId),
      explains: cam ? describeLabel(project.task, targetOf(error)) : null,
    });
  }
  return { cases, errors: errors.length, gradCamUnavailable };
}

/** Renders the maps the cache lacks, as a Grad-CAM job; says why there are none when the model cannot be explained. */
async function makeGradCams(workspace: Workspace, project: Project, model: ModelDetail, wanted: Array<{ imageId: number; targetClass: number }>): Promise<string | null> {
  if (model.members) return `model ${model.id} is an ensemble, and Grad-CAM explains one trained model at a time.`;
  if (model.status !== 'ready') return `model ${model.id} is ${model.status}, and Grad-CAM needs a finished model.`;
  const missing = wanted.filter((w) => !cachedGradCam(workspace.cacheDir, model, w.imageId, w.targetClass)).map((w) => w.imageId);
  if (missing.length === 0) return null;
  dropStaleGradCams(workspace.cacheDir, model);
  try {
    await workspace.startGradCam(project, missing, null, model.id).done;
    return null;
  } catch (error) {
    return `the heat maps could not be made (${(error as Error).message.replace(/\.?$/, '')}).`;
  }
}

const jpegDataUrl = async (picture: Buffer | string): Promise<string> =>
  `data:image/jpeg;base64,${(await sharp(picture).resize(PICTURE_SIZE, PICTURE_SIZE, { fit: 'inside' }).jpeg({ quality: 82 }).toBuffer()).toString('base64')}`;

/** The photograph's thumbnail, or null when its file cannot be read any more. */
async function photoDataUrl(workspace: Workspace, imageId: number): Promise<string | null> {
  try {
    return await jpegDataUrl((await mediaFile(workspace, 'thumbnail', imageId)).file);
  } catch {
    return null;
  }
}
