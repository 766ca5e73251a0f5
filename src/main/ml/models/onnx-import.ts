// `models import`: a complete ONNX classifier becomes a model of a project. The file is opened and run
// once before anything is written: its input must be an image Gradedesk can prepare, its output must
// give one value per declared class (softmax), K − 1 cumulative ones (ordinal) or one grade (regression),
// and the declared feature outputs must exist. Then it is copied into the model's folder.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Project } from '../../../shared/domain';
import { GradedeskError } from '../../../shared/errors';
import { defaultTrainOptions, headsFor, type HeadKind, type OnnxDecoding, type OnnxPixelScaling } from '../../../shared/ml';
import type { Store } from '../../store';
import { preprocessorFor } from '../features/preprocessing';
import { featureDimOf } from '../onnx/onnx-features';
import { hasExternalData, linearCamWeights, producerOf, readOnnxGraph } from '../onnx/onnx-graph';
import { openOnnxModel, requireOutput, type OpenedOnnxModel } from '../onnx/onnx-model';
import { writeManifest, type ImportedOnnx } from './model-files';

export interface ImportOnnxRequest {
  file: string;
  /** The model's classes, in the order of its outputs; they must be the project's. */
  classes: string[];
  /** How model-ready pixels (0..255, after the project's image preparation) are scaled for the model. */
  preprocessing: OnnxPixelScaling;
  decoding: OnnxDecoding;
  /** Regression: the K − 1 grade boundaries (default: halfway between grades). */
  cutPoints?: number[];
  /** The output giving the class scores (default: the only output). */
  output?: string;
  featureOutput?: string;
  featureMaps?: string;
  /** Only for a file whose image size is not fixed. */
  inputSize?: number;
  name?: string;
}

const ONNX_FILE = 'model.onnx';

export async function importOnnxModel(store: Store, modelsDir: string, project: Project, request: ImportOnnxRequest): Promise<number> {
  const classes = checkClasses(project, request);
  const cutPoints = checkCutPoints(request, classes.length);
  const file = path.resolve(request.file);
  const opened = await openOnnxModel(file, { scaling: request.preprocessing, ...(request.inputSize === undefined ? {} : { inputSize: request.inputSize }) });
  let imported: ImportedOnnx;
  try {
    imported = await checkedImport(opened, request, classes);
  } finally {
    await opened.dispose();
  }
  const size = opened.input.size;
  const head: HeadKind = request.decoding;
  const modelId = store.models.create({
    projectId: project.id,
    name: request.name ?? `${path.basename(file)} (ONNX, ${size} px)`,
    taskKind: project.task.kind,
    classes: project.task.classes,
    options: { ...defaultTrainOptions(project.task.kind), backboneId: `onnx:${path.basename(file)}`, inputSize: size, head },
    preprocessing: preprocessorFor(project.task.kind).id,
    modelsDir,
    imported: true,
  });
  const dir = store.models.dir(modelId);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(file, path.join(dir, ONNX_FILE));
    writeManifest(dir, {
      format: 'gradedesk-model/1',
      backbone: { id: `onnx:${path.basename(file)}`, name: path.basename(file), format: 'onnx', source: 'file', location: file, featureLayer: imported.featureOutput ?? imported.output, inputSizes: [size], defaultInputSize: size, normalisation: request.preprocessing === 'raw' ? 'unit' : request.preprocessing, note: 'An ONNX classifier imported whole; it was trained elsewhere.' },
      inputSize: size,
      preprocessing: preprocessorFor(project.task.kind).id,
      head,
      classes: project.task.classes,
      thresholds: cutPoints,
      heads: [],
      createdAt: new Date().toISOString(),
      strategy: 'imported',
      imported,
    });
    store.models.finish(modelId, { status: 'ready', thresholds: cutPoints, evaluation: null });
  } catch (error) {
    store.models.delete(modelId);
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return modelId;
}

function checkClasses(project: Project, request: ImportOnnxRequest): string[] {
  const { kind, classes } = project.task;
  if (!(headsFor(kind) as readonly string[]).includes(request.decoding)) {
    throw new GradedeskError('invalid', `${project.name} is a ${kind} project; an imported model there decodes its output as ${headsFor(kind).filter((h) => h !== 'multilabel').join(' or ') || 'nothing Gradedesk imports'}, not ${request.decoding}.`);
  }
  const declared = request.classes.map((c) => c.trim());
  const matches = declared.length === classes.length && declared.every((name, k) => name.toLowerCase() === classes[k]!.toLowerCase() || (kind === 'dr-grade' && name === String(k)));
  if (!matches) {
    throw new GradedeskError(
      'invalid',
      `The model's classes (${declared.join(', ')}) are not ${project.name}'s (${classes.join(', ')}); list the project's classes in the order of the model's outputs.`,
    );
  }
  return classes;
}

function checkCutPoints(request: ImportOnnxRequest, classCount: number): number[] | null {
  if (request.decoding !== 'regression') {
    if (request.cutPoints) throw new GradedeskError('invalid', 'Cut points are for regression models only (--decoding regression).');
    return null;
  }
  const cuts = request.cutPoints ?? Array.from({ length: classCount - 1 }, (_, k) => k + 0.5);
  if (cuts.length !== classCount - 1) throw new GradedeskError('invalid', `A regression model of ${classCount} classes needs ${classCount - 1} cut points, not ${cuts.length}.`);
  if (cuts.some((c, k) => !Number.isFinite(c) || (k > 0 && c <= cuts[k - 1]!))) throw new GradedeskError('invalid', `Cut points must rise: ${cuts.join(', ')}.`);
  return cuts;
}

const EXPECTED_UNITS: Record<OnnxDecoding, (classes: number) => number> = {
  softmax: (k) => k,
  ordinal: (k) => k - 1,
  regression: () => 1,
};

/** Runs the model once on a grey image and checks each declared output. */
async function checkedImport(model: OpenedOnnxModel, request: ImportOnnxRequest, classes: readonly string[]): Promise<ImportedOnnx> {
  const name = path.basename(model.file);
  const output = request.output ?? (model.outputs.length === 1 ? model.outputs[0]!.name : null);
  if (!output) {
    throw new GradedeskError('invalid', `${name} has ${model.outputs.length} outputs (${model.outputs.map((o) => o.name).join(', ')}); say which gives the class scores with --output.`);
  }
  requireOutput(model, output, '--output');
  const featureOutput = request.featureOutput ?? null;
  const featureMaps = request.featureMaps ?? null;
  if (featureOutput) featureDimOf(model.file, requireOutput(model, featureOutput, '--feature-output'), model.input.layout);
  if (featureMaps) requireOutput(model, featureMaps, '--feature-maps');

  const grey = new Uint8Array(model.input.size * model.input.size * 3).fill(128);
  const probe = await model.run([grey], [output, ...(featureMaps ? [featureMaps] : [])]);
  const units = probe.get(output)!.rows[0]!.length;
  const expected = EXPECTED_UNITS[request.decoding](classes.length);
  if (units !== expected) {
    const what = request.decoding === 'softmax' ? `one score per class (${expected})` : request.decoding === 'ordinal' ? `${expected} cumulative scores, P(grade ≥ 1) to P(grade ≥ ${classes.length - 1})` : 'one grade';
    throw new GradedeskError('invalid', `${name}'s output ${output} gives ${units} values per image; a ${request.decoding} model of the classes ${classes.join(', ')} must give ${what}.`);
  }

  const bytes = fs.readFileSync(model.file);
  const graph = readOnnxGraph(bytes);
  if (hasExternalData(graph)) {
    throw new GradedeskError('invalid', `${name} keeps its weights in separate files (ONNX external data), which Gradedesk would not copy with it; save it as one file (onnx.save(model, path, save_as_external_data=False)) and import that.`);
  }
  const producer = producerOf(graph, output);
  const activated = request.decoding === 'softmax' ? producer === 'Softmax' : request.decoding === 'ordinal' ? producer === 'Sigmoid' : false;

  let camWeights: number[][] | null = null;
  if (featureMaps) {
    const dims = probe.get(featureMaps)!.dims;
    if (dims.length !== 3) throw new GradedeskError('invalid', `${name}'s output ${featureMaps} is [n, ${dims.join(', ')}]; --feature-maps must be convolutional maps [n, channels, height, width].`);
    const channels = model.input.layout === 'nchw' ? dims[0]! : dims[2]!;
    const weights = linearCamWeights(graph, featureMaps, output, channels, model.input.layout);
    if (typeof weights === 'string') {
      throw new GradedeskError(
        'unsupported',
        `Grad-CAM of ${name} would need gradients, which ONNX Runtime does not compute; Gradedesk explains an imported model only when its maps reach ${output} through global average pooling and one linear layer (then the class activation map equals Grad-CAM on the class's score), and here ${weights}. Import it without --feature-maps to use it without Grad-CAM.`,
      );
    }
    camWeights = weights;
  }
  return {
    file: ONNX_FILE,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    scaling: request.preprocessing,
    output,
    decoding: request.decoding,
    activated,
    featureOutput,
    featureMaps,
    camWeights,
  };
}
