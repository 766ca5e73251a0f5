// What the evaluation report says, gathered by the app (src/main/app/evaluation-report.ts) and written
// out as HTML by ./report-html.ts. Every string here may come from a user and is escaped when written.
import type { AgreementSummary } from '../../../shared/agreement';
import type { TaskKind } from '../../../shared/domain';
import type { Evaluation, TrainOptions } from '../../../shared/ml';

/** Images and patients (groups) of one class in the model's training snapshot. */
export interface ClassCount {
  name: string;
  images: number;
  patients: number;
}

export interface ModelCard {
  modelId: number;
  modelName: string;
  projectName: string;
  taskKind: TaskKind;
  backbone: { id: string; name: string; note: string | null };
  inputSize: number;
  head: TrainOptions['head'];
  strategy: string;
  preprocessing: string;
  validation: TrainOptions['validation'];
  epochs: number;
  seed: number;
  /** Ensemble members, null for a trained model. */
  members: number[] | null;
  trainingImages: number;
  trainingPatients: number;
  byClass: ClassCount[];
  trainedAt: string;
  referralThreshold: number;
  /** True when the threshold is the default, not one saved from Evaluate. */
  defaultThreshold: boolean;
}

/** One misclassified image of the gallery, with its pictures as data: URLs. */
export interface ErrorCase {
  imageId: number;
  fileName: string;
  label: string;
  predicted: string;
  /** The model's probability for its own prediction (null for regression). */
  confidence: number | null;
  /** The model's input with the Grad-CAM heat map on top; null when Grad-CAM is unavailable. */
  overlay: string | null;
  /** The photograph, shown when there is no overlay. */
  photo: string | null;
  /** The class the heat map explains. */
  explains: string | null;
}

export interface ErrorGallery {
  cases: ErrorCase[];
  /** Misclassified images in all, of which `cases` are the largest. */
  errors: number;
  /** Why there are no heat maps (the model is an ensemble, its backbone is missing…); null when there are. */
  gradCamUnavailable: string | null;
}

export interface EvaluationReportData {
  card: ModelCard;
  evaluation: Evaluation;
  /** Patients among the evaluated images, and the folders their files came from (most images first). */
  measuredOn: { images: number; patients: number; folders: Array<{ folder: string; images: number }> };
  /** Agreement between graders; a sentence instead when it cannot be measured. */
  agreement: { summary: AgreementSummary; activeModelName: string | null } | { unavailable: string };
  gallery: ErrorGallery;
  appVersion: string;
  createdAt: string;
  /** True when file names, folders and graders' names were replaced by pseudonyms. */
  deidentified?: boolean;
}
