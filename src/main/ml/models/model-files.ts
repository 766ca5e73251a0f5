// A model on disk: one tfjs layers model per fold head (model.json + weights.bin) with the feature
// standardisation it was trained with, a manifest saying how to use them, and the checkpoint of the
// fold in training. A fine-tuned fold's model takes the backbone's cut activations instead of pooled
// features and holds its standardisation as a layer; its standardisation.json is for reference only.
import fs from 'node:fs';
import path from 'node:path';
import type { BackboneInfo, HeadKind, OnnxDecoding, OnnxPixelScaling, TrainingStrategy } from '../../../shared/ml';
import { tf } from '../engine/backend';
import { fileModelHandler, fileSaveHandler } from '../backbones/file-handler';
import type { HeadCheckpoint } from '../training/epoch-driver';

export interface Standardisation {
  mean: number[];
  std: number[];
}

export interface ModelManifest {
  format: 'gradedesk-model/1';
  backbone: BackboneInfo;
  inputSize: number;
  preprocessing: string;
  head: HeadKind;
  classes: string[];
  thresholds: number[] | null;
  /** Fold head folders; their outputs are averaged. */
  heads: string[];
  createdAt: string;
  /** 'head' when absent (models saved before fine-tuning existed); 'imported' for an ONNX classifier (imported-model.ts). */
  strategy?: TrainingStrategy | 'imported';
  /** Imported models: how their ONNX file is fed and read. */
  imported?: ImportedOnnx;
  /** Fine-tuned models: the backbone layer whose output (the cut activations) the fold models take. */
  cutLayer?: string;
}

/** An imported ONNX classifier: its file in the model's folder, and which of its outputs mean what. */
export interface ImportedOnnx {
  /** The file's name inside the model's folder, and its sha256 (part of its cached outputs' keys). */
  file: string;
  sha256: string;
  scaling: OnnxPixelScaling;
  output: string;
  decoding: OnnxDecoding;
  /** Whether the output ends in its own Softmax or Sigmoid (probabilities), rather than logits. */
  activated: boolean;
  /** The output giving its penultimate features (embeddings), if declared. */
  featureOutput: string | null;
  /** The output giving its last convolutional maps (Grad-CAM), if declared, with the linear layer's weights on them. */
  featureMaps: string | null;
  camWeights: number[][] | null;
}

const foldDir = (modelDir: string, fold: number) => path.join(modelDir, `fold-${fold}`);

/**
 * A finished fold: its head, the standardisation of its inputs and its out-of-fold raw outputs (by
 * image id), written to a side folder and renamed into place, so a fold is either whole or absent.
 */
export async function saveFold(modelDir: string, fold: number, head: tf.LayersModel, standardisation: Standardisation, outputs: Map<number, number[]>): Promise<void> {
  const dir = foldDir(modelDir, fold);
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  await head.save(fileSaveHandler(partial));
  fs.writeFileSync(path.join(partial, 'standardisation.json'), JSON.stringify(standardisation));
  fs.writeFileSync(path.join(partial, 'validation-outputs.json'), JSON.stringify([...outputs]));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
}

export function hasFold(modelDir: string, fold: number): boolean {
  return fs.existsSync(foldDir(modelDir, fold));
}

export interface LoadedHead {
  head: tf.LayersModel;
  standardisation: Standardisation;
}

export async function loadFoldHead(modelDir: string, fold: number): Promise<LoadedHead> {
  const dir = foldDir(modelDir, fold);
  const head = await tf.loadLayersModel(fileModelHandler(path.join(dir, 'model.json')));
  const standardisation = JSON.parse(fs.readFileSync(path.join(dir, 'standardisation.json'), 'utf8')) as Standardisation;
  return { head, standardisation };
}

export function writeManifest(modelDir: string, manifest: ModelManifest): void {
  writeAtomically(path.join(modelDir, 'gradedesk-model.json'), JSON.stringify(manifest, null, 2));
}

export function readManifest(modelDir: string): ModelManifest {
  return JSON.parse(fs.readFileSync(path.join(modelDir, 'gradedesk-model.json'), 'utf8')) as ModelManifest;
}

/** Out-of-fold raw head outputs of a finished fold, by image id. */
export function loadFoldOutputs(modelDir: string, fold: number): Map<number, number[]> {
  return new Map(JSON.parse(fs.readFileSync(path.join(foldDir(modelDir, fold), 'validation-outputs.json'), 'utf8')) as Array<[number, number[]]>);
}

/**
 * The checkpoint of the fold in training, written after every epoch: a JSON header naming the
 * tensors and one binary file with their values. The binary is written first under a new name and
 * the header, renamed into place last, points at it; a crash leaves the previous checkpoint whole.
 */
export function saveCheckpoint(modelDir: string, fold: number, checkpoint: HeadCheckpoint): void {
  const arrays = [...checkpoint.weights, ...checkpoint.optimizer.map((o) => o.values), ...(checkpoint.best?.weights ?? [])];
  const binaryName = `checkpoint-${fold}-${checkpoint.epoch}.bin`;
  fs.mkdirSync(modelDir, { recursive: true });
  writeAtomically(path.join(modelDir, binaryName), Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
  const header = {
    fold,
    epoch: checkpoint.epoch,
    binary: binaryName,
    weights: checkpoint.weights.map((w) => w.length),
    optimizer: checkpoint.optimizer.map(({ name, shape, values }) => ({ name, shape, length: values.length })),
    best: checkpoint.best && { epoch: checkpoint.best.epoch, metric: checkpoint.best.metric, weights: checkpoint.best.weights.map((w) => w.length) },
    epochsWithoutImprovement: checkpoint.epochsWithoutImprovement,
  };
  const headerFile = path.join(modelDir, 'checkpoint.json');
  const previous = fs.existsSync(headerFile) ? (JSON.parse(fs.readFileSync(headerFile, 'utf8')) as { binary: string }).binary : null;
  writeAtomically(headerFile, JSON.stringify(header));
  if (previous && previous !== binaryName) fs.rmSync(path.join(modelDir, previous), { force: true });
}

export function loadCheckpoint(modelDir: string): (HeadCheckpoint & { fold: number }) | null {
  const headerFile = path.join(modelDir, 'checkpoint.json');
  if (!fs.existsSync(headerFile)) return null;
  const header = JSON.parse(fs.readFileSync(headerFile, 'utf8')) as {
    fold: number;
    epoch: number;
    binary: string;
    weights: number[];
    optimizer: Array<{ name: string; shape: number[]; length: number }>;
    best: { epoch: number; metric: number; weights: number[] } | null;
    epochsWithoutImprovement: number;
  };
  const bytes = fs.readFileSync(path.join(modelDir, header.binary));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  const take = (length: number) => all.slice(offset, (offset += length));
  return {
    fold: header.fold,
    epoch: header.epoch,
    weights: header.weights.map(take),
    optimizer: header.optimizer.map(({ name, shape, length }) => ({ name, shape, values: take(length) })),
    best: header.best && { epoch: header.best.epoch, metric: header.best.metric, weights: header.best.weights.map(take) },
    epochsWithoutImprovement: header.epochsWithoutImprovement,
  };
}

export function clearCheckpoint(modelDir: string): void {
  for (const file of fs.existsSync(modelDir) ? fs.readdirSync(modelDir) : []) {
    if (file.startsWith('checkpoint')) fs.rmSync(path.join(modelDir, file), { force: true });
  }
}

/** Copies what a model needs to be used elsewhere (manifest and fold heads), without checkpoints. */
export function exportModel(modelDir: string, destination: string): string[] {
  const manifest = readManifest(modelDir);
  fs.mkdirSync(destination, { recursive: true });
  const files = ['gradedesk-model.json'];
  fs.copyFileSync(path.join(modelDir, 'gradedesk-model.json'), path.join(destination, 'gradedesk-model.json'));
  if (manifest.imported) {
    fs.copyFileSync(path.join(modelDir, manifest.imported.file), path.join(destination, manifest.imported.file));
    files.push(manifest.imported.file);
  }
  for (const head of manifest.heads) {
    for (const file of ['model.json', 'weights.bin', 'standardisation.json']) {
      fs.mkdirSync(path.join(destination, head), { recursive: true });
      fs.copyFileSync(path.join(modelDir, head, file), path.join(destination, head, file));
      files.push(path.join(head, file));
    }
  }
  return files;
}

function writeAtomically(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  fs.writeFileSync(partial, data);
  fs.renameSync(partial, file);
}
