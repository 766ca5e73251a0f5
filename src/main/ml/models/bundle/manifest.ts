// What a model bundle says about its model(s): everything another data directory needs to use them and
// to say honestly what they were measured on. Checked with zod on import: a bundle is a file from
// elsewhere, and its checksum proves only that it was not changed since it was made.
import { z } from 'zod';
import { TASK_KINDS } from '../../../../shared/domain';
import { HEAD_KINDS, TRAINING_STRATEGIES, type Evaluation, type TrainOptions } from '../../../../shared/ml';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().nonnegative();
const probability = z.number().min(0).max(1);
const labelValue = z.union([count, z.array(count)]);
const anObject = (what: string) => z.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), `${what} must be an object`);

/** A backbone by content: the model.json and its weight shards (in the order model.json lists them). */
export const backboneReferenceSchema = z.object({
  id: z.string().min(1).max(80),
  /** SHA-256 of model.json followed by its weight shards. */
  sha256,
  bytes: count,
  name: z.string(),
  format: z.enum(['layers', 'graph']),
  source: z.enum(['bundled', 'file', 'url']),
  featureLayer: z.string().min(1),
  inputSizes: z.array(z.number().int().positive()).min(1),
  defaultInputSize: z.number().int().positive(),
  normalisation: z.enum(['unit', 'symmetric', 'imagenet']),
  note: z.string().nullable(),
  /** Entry paths of its files in the bundle (model.json first) when the bundle carries it, else null. */
  files: z.array(z.string()).nullable(),
}).strict();

const predictionSchema = z.object({
  sha256,
  probabilities: z.array(z.number()).nullable(),
  predicted: labelValue,
  expected: z.number().nullable(),
  referable: z.number().nullable(),
  entropy: z.number().nullable(),
  margin: z.number().nullable(),
}).strict();

export const bundledModelSchema = z.object({
  /** Its folder in the bundle, and how an ensemble names its members. */
  key: z.string().regex(/^model-\d+$/),
  name: z.string().min(1).max(200),
  head: z.enum(HEAD_KINDS),
  strategy: z.enum([...TRAINING_STRATEGIES, 'ensemble']),
  backboneId: z.string(),
  inputSize: z.number().int().positive(),
  options: anObject('options').transform((value) => value as unknown as TrainOptions),
  /** Regression cut points or multilabel per-label thresholds. */
  thresholds: z.array(z.number()).nullable(),
  referralThreshold: probability.nullable(),
  /** The out-of-fold evaluation made where the model was trained. */
  evaluation: anObject('evaluation').transform((value) => value as unknown as Evaluation).nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  /** An ensemble's member keys (they come before it in `models`); null for a trained model. */
  members: z.array(z.string()).nullable(),
  /** What it was trained on: labelled images, patients (groups) and images per class. */
  training: z.object({ images: count, patients: count, perClass: z.array(count) }).strict(),
  epochs: z.array(z.object({
    fold: z.number().int(),
    epoch: count,
    trainLoss: z.number(),
    validationLoss: z.number().nullable(),
    validationMetric: z.number().nullable(),
    learningRate: z.number(),
    seconds: z.number(),
  }).strict()),
  /**
   * The training snapshot and the out-of-fold predictions by image content, so that where the same
   * photographs are, they are known as trained on and keep the prediction of the fold that held them out.
   */
  snapshot: z.array(z.object({ sha256, label: labelValue, fold: z.number().int() }).strict()),
  outOfFold: z.array(predictionSchema),
  /** Entry paths of the model folder's files (manifest and fold heads); none for an ensemble. */
  files: z.array(z.string()),
}).strict();

export const bundleManifestSchema = z.object({
  appVersion: z.string(),
  createdAt: z.string(),
  task: z.object({ kind: z.enum(TASK_KINDS), classes: z.array(z.string()).min(1) }).strict(),
  preprocessing: z.string(),
  backbones: z.array(backboneReferenceSchema),
  /** Members before their ensemble; the last is the model the bundle was made of. */
  models: z.array(bundledModelSchema).min(1),
}).strict();

export type BackboneReference = z.infer<typeof backboneReferenceSchema>;
export type BundledModel = z.infer<typeof bundledModelSchema>;
export type BundleManifest = z.infer<typeof bundleManifestSchema>;
export type BundledPrediction = z.infer<typeof predictionSchema>;
