// CLI commands of the training engine: doctor, backbones, train, predict, evaluate, models.
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Project } from '../../shared/domain';
import { GradedeskError, invalid } from '../../shared/errors';
import { AUGMENTATIONS, FEATURE_CONFIGURATION_IDS, HEAD_KINDS, ONNX_DECODINGS, ONNX_PIXEL_SCALINGS, SCHEDULE_KINDS, type Augmentation, type FeatureConfigurationId, type OnnxDecoding, type OnnxPixelScaling, type Evaluation, type HeadKind, type ModelDetail, type TrainOptions } from '../../shared/ml';
import { DEFAULT_ARCFACE } from '../ml/embeddings/arcface';
import type { EmbeddingGrouping } from '../ml/embeddings/arcface-files';
import { doctorLines } from '../ml/engine/doctor';
import { describeLabel } from '../../shared/labels';
import { scoreText, TRIAGE_ORDER_INFO, TRIAGE_ORDERS, type TriageOrder, type TriagePage } from '../../shared/triage';
import type { App } from '../app';
import { formatDuration, progressPrinter, table, type CliIO } from './output';
import { checked, followJob } from './requests';

interface ImportCliOptions {
  project: string;
  classes: string;
  preprocessing: OnnxPixelScaling;
  decoding: OnnxDecoding;
  cutPoints?: string;
  output?: string;
  featureOutput?: string;
  featureMaps?: string;
  size?: number;
  name?: string;
}

interface BackboneAddOptions {
  format?: 'layers' | 'graph' | 'onnx';
  featureLayer?: string;
  featureOutput?: string;
  sizes?: string;
  normalisation: 'unit' | 'symmetric' | 'imagenet';
  sha256?: string;
  size?: number;
  name?: string;
}

export interface CliContext {
  io: CliIO;
  app: () => App;
  print: (json: unknown, text: string) => void;
  projectNamed: (name: string) => Project;
}

export function registerMlCommands(program: Command, { io, app, print, projectNamed }: CliContext): void {
  program
    .command('doctor')
    .description('which tfjs backend runs here and why not a faster one, the GPU adapter, and what each backend can train')
    .action(async () => {
      const { backend, onnxRuntime, backbones } = await app().training.capabilities();
      print({ ...backend, onnxRuntime, backbones }, [...doctorLines(backend, onnxRuntime), `Backbones: ${backbones.map((b) => b.id).join(', ')}`, ''].join('\n'));
    });

  const backbones = program.command('backbones').description('list and add backbones');
  backbones
    .command('list')
    .action(() => {
      const list = app().backbones.list();
      print(list, table([['ID', 'FORMAT', 'SOURCE', 'SIZES', 'LOCATION'], ...list.map((b) => [b.id, b.format, b.source, b.inputSizes.join(','), b.location])]));
    });
  backbones
    .command('add <id> <location>')
    .description('add a tfjs backbone from a model.json path or URL (URLs need --sha256 and are downloaded now), or an ONNX backbone from a .onnx file')
    .addOption(new Option('--format <format>', 'model format (default: onnx for a .onnx file, else layers)').choices(['layers', 'graph', 'onnx']))
    .option('--feature-layer <name>', 'layer (or graph node) whose output is the last convolutional maps')
    .option('--feature-output <name>', 'ONNX: the output that gives the features ([n, d] or maps [n, c, h, w])')
    .option('--sizes <list>', 'input sizes it accepts, comma-separated (ONNX: read from the file)')
    .addOption(new Option('--normalisation <kind>', 'how it wants pixels').choices(['unit', 'symmetric', 'imagenet']).default('unit'))
    .option('--sha256 <hex>', 'sha256 of model.json (required for URLs)')
    .option('--size <bytes>', 'expected total download size in bytes', Number)
    .option('--name <name>')
    .action(async (id: string, location: string, options: BackboneAddOptions) => {
      const format = options.format ?? (location.toLowerCase().endsWith('.onnx') ? 'onnx' : 'layers');
      const featureLayer = format === 'onnx' ? options.featureOutput ?? options.featureLayer : options.featureLayer;
      if (!featureLayer) throw invalid(format === 'onnx' ? 'An ONNX backbone needs --feature-output (the output that gives its features).' : 'A backbone needs --feature-layer (the layer whose output is its last convolutional maps).');
      const inputSizes = options.sizes?.split(',').map(Number) ?? (format === 'onnx' ? undefined : [224]);
      const request = checked('backbones.add', { id, location, format, featureLayer, inputSizes, normalisation: options.normalisation,
        ...(options.sha256 ? { sha256: options.sha256 } : {}), ...(options.size ? { size: options.size } : {}), ...(options.name ? { name: options.name } : {}) });
      const progress = progressPrinter(io);
      const added = await app().backbones.add(request, progress.update).finally(progress.end);
      print(added, `Added backbone ${added.id} (${added.format}, ${added.source}, ${added.inputSizes.join(',')} px).\n`);
    });

  program
    .command('train')
    .description('train a model on the project\'s graded images, with patient-grouped cross-validation')
    .requiredOption('--project <name>')
    .addOption(new Option('--head <kind>').choices(HEAD_KINDS))
    .option('--backbone <id|path>', 'backbone id, or a Keras model.json path (with --feature-layer)')
    .option('--feature-layer <name>', 'feature layer of a backbone given as a path')
    .option('--size <n>', 'input size in pixels', parseWhole)
    .addOption(new Option('--features <configuration>', 'frozen features: one view, or the fundus at 448 px with tiles (DR projects default to the measured best)').choices(FEATURE_CONFIGURATION_IDS))
    .option('--epochs <n>', 'epochs per fold', parseWhole)
    .option('--folds <k>', 'cross-validation folds (grouped by patient)', parseWhole)
    .option('--holdout <fraction>', 'hold out this share of patients instead of k folds', Number)
    .option('--batch-size <n>', 'images per batch', parseWhole)
    .option('--lr <rate>', 'peak learning rate', Number)
    .addOption(new Option('--schedule <kind>').choices(SCHEDULE_KINDS))
    .option('--augment <list>', `feature-level augmentations: ${AUGMENTATIONS.join(',')} (or none)`)
    .option('--balanced', 'balanced sampling instead of class weights')
    .option('--patience <n>', 'early stopping patience in epochs (0: off)', parseWholeOrZero)
    .option('--seed <n>', 'random seed', parseWholeOrZero)
    .option('--name <name>', 'model name')
    .option('--resume <modelId>', 'continue an interrupted or cancelled run instead', parseWhole)
    .action(async (options: TrainCliOptions) => {
      const target = projectNamed(options.project);
      const { modelId, job } = options.resume
        ? { modelId: options.resume, job: app().training.runResumed({ modelId: options.resume }) }
        : app().training.run(checked('training.start', { projectId: target.id, options: trainOptions(app(), options), ...(options.name ? { name: options.name } : {}) }));
      io.stderr(`Training model ${modelId}; Ctrl+C stops it after the current batch (resume with --resume ${modelId}).\n`);
      await followJob(app(), job, io);
      const model = app().models.get({ modelId });
      const activation = model.activation ? `${model.activation.reason}\n` : '';
      print(model, `${describeModel(model)}\n${describeEvaluation(model.evaluation)}${activation}`);
    });

  program
    .command('predict')
    .description('predict every image of the project with a model (default: the active one)')
    .requiredOption('--project <name>')
    .option('--model <id>', 'model id', parseWhole)
    .action(async (options: { project: string; model?: number }) => {
      const job = app().predictions.run(checked('predictions.start', { projectId: projectNamed(options.project).id, modelId: options.model }));
      const result = await followJob(app(), job, io);
      print(result, `Predicted ${result.predicted} images${result.failed ? `; ${result.failed} could not be read` : ''}.\n`);
    });

  program
    .command('evaluate')
    .description('out-of-fold metrics of a model (default: the active one), on patients it did not train on')
    .requiredOption('--project <name>')
    .option('--model <id>', 'model id', parseWhole)
    .option('--threshold <p>', 'referable operating point', Number)
    .action((options: { project: string; model?: number; threshold?: number }) => {
      const model = app().models.ofProject(projectNamed(options.project).id, options.model);
      const evaluation = app().models.evaluate(checked('models.evaluate', { modelId: model.id, threshold: options.threshold }));
      print(
        {
          model: model.id,
          basis: evaluation.basis,
          samples: evaluation.samples,
          groups: evaluation.groups,
          qwk: evaluation.qwk,
          accuracy: evaluation.accuracy,
          balanced_accuracy: evaluation.balancedAccuracy,
          macro_f1: evaluation.macroF1,
          referable_auc: evaluation.referable?.auc ?? null,
          referable_threshold: evaluation.referable?.threshold ?? null,
          referable_sensitivity: evaluation.referable?.sensitivity ?? null,
          referable_specificity: evaluation.referable?.specificity ?? null,
          ece: evaluation.calibration?.ece ?? null,
          confusion: evaluation.confusion,
          per_class: evaluation.perClass,
        },
        describeEvaluation(evaluation),
      );
    });

  const models = program.command('models').description('list, activate, export, import and delete models');
  models
    .command('list')
    .requiredOption('--project <name>')
    .action((options: { project: string }) => {
      const list = app().models.list({ projectId: projectNamed(options.project).id });
      print(list, list.length === 0 ? 'No models yet.\n' : table([
        ['ID', 'ACTIVE', 'STATUS', 'HEAD', 'BACKBONE', 'SIZE', 'IMAGES', 'QWK', 'AUC', 'CREATED'],
        ...list.map((m) => [m.id, m.active ? '*' : '', m.status, m.head, m.backboneId, m.inputSize, m.trainingImages, fixed(m.metrics?.qwk), fixed(m.metrics?.referableAuc), m.createdAt.slice(0, 16)]),
      ]));
    });
  models
    .command('activate <id>')
    .action((id: string) => {
      const model = app().models.activate({ modelId: parseWhole(id) });
      print(model, `Model ${model.id} is now the active model of its project.\n`);
    });
  models
    .command('threshold <id> <p>')
    .description("save the model's referral threshold on P(referable), or 'default' for 0.5 (the Library and Triage use it)")
    .action((id: string, p: string) => {
      const threshold = p === 'default' ? null : Number(p);
      if (threshold !== null && !(threshold >= 0 && threshold <= 1)) throw invalid(`The referral threshold is a probability from 0 to 1, or 'default', not "${p}".`);
      const model = app().models.setReferralThreshold({ modelId: parseWhole(id), threshold });
      print(model, `Model ${model.id} refers an eye at P(referable) ≥ ${(model.referralThreshold ?? 0.5).toFixed(2)}${model.referralThreshold === null ? ' (the default)' : ''}.\n`);
    });
  models
    .command('export <id> <dir>')
    .description('write the model in tfjs format (fold heads, standardisation, manifest) to a folder')
    .action((id: string, dir: string) => {
      const exported = app().models.export(checked('models.export', { modelId: parseWhole(id), dir }));
      print(exported, `Exported model ${id} to ${exported.dir} (${exported.files.length} files).\n`);
    });
  models
    .command('export-bundle')
    .description('write the model (an ensemble with its members) as one bundle file that another data folder can import')
    .requiredOption('--model <id>', 'model id', parseWhole)
    .requiredOption('--out <file>', 'the bundle to write, e.g. screening.gdmodel')
    .option('--with-backbone', 'carry the weights of a backbone you added (the backbone that comes with Gradedesk is never carried)')
    .action(async (options: { model: number; out: string; withBackbone?: boolean }) => {
      const exported = await app().models.exportBundle(checked('models.exportBundle', { modelId: options.model, file: options.out, withBackbone: options.withBackbone ?? false }));
      const carried = exported.backbonesCarried.length ? `, with the backbone ${exported.backbonesCarried.join(', ')}` : '';
      print(exported, `Exported model ${options.model} to ${exported.file} (${(exported.bytes / 1e6).toFixed(1)} MB${carried}; sha256 ${exported.sha256}).\n`);
    });
  models
    .command('import-bundle <file>')
    .description('import a model bundle as a finished model of a project with the same task')
    .requiredOption('--project <name>')
    .option('--name <name>', "the model's name here (default: its name in the bundle)")
    .action(async (file: string, options: { project: string; name?: string }) => {
      const target = projectNamed(options.project);
      const model = await app().models.importBundle(checked('models.importBundle', { projectId: target.id, file, ...(options.name ? { name: options.name } : {}) }));
      print(model, `Imported model ${model.id} (${model.name}) into ${target.name}. ${model.activation?.reason ?? ''}\n` +
        `Predict its images with: gradedesk predict --project ${JSON.stringify(target.name)} --model ${model.id}\n`);
    });
  models
    .command('ensemble <ids...>')
    .description('a new model averaging the probabilities of two or more finished models')
    .option('--name <name>')
    .action((ids: string[], options: { name?: string }) => {
      const ensemble = app().models.ensemble(checked('models.ensemble', { modelIds: ids.map(parseWhole), name: options.name }));
      const model = app().models.get({ modelId: ensemble.id });
      print(model, `Created model ${model.id}, ${model.name}.\n${describeEvaluation(model.evaluation)}`);
    });
  models
    .command('import <file>')
    .description('import a complete ONNX classifier as a model of the project (it then predicts, triages and joins ensembles)')
    .requiredOption('--project <name>')
    .requiredOption('--classes <list>', "the model's classes in the order of its outputs, comma-separated (the project's)")
    .addOption(new Option('--preprocessing <scaling>', "how the project's prepared pixels are scaled for the model").choices(ONNX_PIXEL_SCALINGS).makeOptionMandatory())
    .addOption(new Option('--decoding <kind>', 'how its output is read').choices(ONNX_DECODINGS).makeOptionMandatory())
    .option('--cut-points <list>', 'regression: the grade boundaries, comma-separated (default: halfway between grades)')
    .option('--output <name>', 'the output giving the class scores (default: the only one)')
    .option('--feature-output <name>', 'the output giving its penultimate features (for embeddings and similar cases)')
    .option('--feature-maps <name>', 'the output giving its last convolutional maps (for Grad-CAM)')
    .option('--size <n>', 'image size, only for a file whose size is not fixed', parseWhole)
    .option('--name <name>', 'model name')
    .action(async (file: string, options: ImportCliOptions) => {
      const request = checked('models.importOnnx', {
        projectId: projectNamed(options.project).id,
        file,
        classes: options.classes.split(','),
        preprocessing: options.preprocessing,
        decoding: options.decoding,
        ...(options.cutPoints ? { cutPoints: options.cutPoints.split(',').map(Number) } : {}),
        ...(options.output ? { output: options.output } : {}),
        ...(options.featureOutput ? { featureOutput: options.featureOutput } : {}),
        ...(options.featureMaps ? { featureMaps: options.featureMaps } : {}),
        ...(options.size ? { inputSize: options.size } : {}),
        ...(options.name ? { name: options.name } : {}),
      });
      const model = await app().models.importOnnx(request);
      print(model, `Imported model ${model.id}, ${model.name} (${model.head}, ${model.inputSize} px). Predict with: gradedesk predict --project ${JSON.stringify(options.project)} --model ${model.id}\n`);
    });
  models
    .command('delete <id>')
    .action((id: string) => {
      const { deleted } = app().models.delete({ modelId: parseWhole(id) });
      print({ deleted }, `Deleted model ${deleted}.\n`);
    });

  program
    .command('triage')
    .description('the active model\'s triage queue: the images a reader should look at first, and why')
    .requiredOption('--project <name>')
    .addOption(new Option('--order <order>', 'what comes first').choices(TRIAGE_ORDERS).makeOptionMandatory())
    .option('--limit <n>', 'how many images to list', parseWhole, 20)
    .option('--include-reviewed', 'list images a reader graded since the model was made too')
    .action((options: { project: string; order: TriageOrder; limit: number; includeReviewed?: boolean }) => {
      const target = projectNamed(options.project);
      const page = app().triage.queue(checked('triage.queue', { projectId: target.id, order: options.order, limit: options.limit, includeReviewed: options.includeReviewed ?? false }));
      print(page, describeTriage(target, page));
    });

  // Grad-CAM of one image, written as the overlay Review shows: the model's input with the heat map on top.
  const parseOpacity = (text: string) => {
    const value = Number(text);
    if (!(value >= 0 && value <= 1)) throw invalid(`--opacity is a share between 0 and 1, not "${text}".`);
    return value;
  };
  program
    .command('gradcam <image>')
    .description('where the active model looked in an image (IMAGE is an id or a file name): its input with the Grad-CAM heat map on top, as a PNG')
    .requiredOption('--project <name>')
    .option('--class <class>', 'class to explain, by index or name (default: the class the model predicts)')
    .option('--opacity <share>', 'opacity of the heat map, 0–1', parseOpacity, 0.6)
    .requiredOption('--out <file>', 'PNG file to write')
    .action(async (imageRef: string, options: { project: string; class?: string; opacity: number; out: string }) => {
      const target = projectNamed(options.project);
      const image = app().images.resolve(target.id, imageRef);
      const model = app().gradcam.model(target.id);
      const asked = options.class === undefined ? undefined : gradCamClassOf(model, options.class);
      const job = app().gradcam.run({ projectId: target.id, imageIds: [image.id], targetClass: asked });
      const [rendered] = await followJob(app(), job, io);
      if (!rendered) throw new GradedeskError('cancelled', 'Grad-CAM was cancelled; nothing was written.');
      const out = path.resolve(options.out);
      fs.writeFileSync(out, await app().gradcam.overlay(rendered, options.opacity));
      const className = model.classes[rendered.targetClass] ?? String(rendered.targetClass);
      const why = asked === undefined ? (app().predictions.forImage({ imageId: image.id }) ? ', the class it predicts' : '; the model has not predicted this image, so class 0') : '';
      print(
        { image: { id: image.id, fileName: image.fileName }, model: model.id, targetClass: rendered.targetClass, className, computeMs: rendered.computeMs, file: out },
        `${image.fileName}: Grad-CAM of model ${model.id} for class ${rendered.targetClass} (${className}${why}), computed in ${Math.round(rendered.computeMs)} ms.\n` +
          `Wrote ${out}: the model's input (cropped, Ben Graham normalised); warmer = regions that raised the score for ${className}. ` +
          'It shows where the model looked, not that a lesion is there.\n',
      );
    });

  program
    .command('embed')
    .description("train an ArcFace embedding on the active model's graded images and embed every image, for similar cases")
    .requiredOption('--project <name>')
    .addOption(new Option('--group-by <what>', 'pull together images of one label, or of one group id (patient)').choices(['label', 'group']).default('label'))
    .option('--margin <radians>', 'ArcFace additive angular margin', numberIn('--margin', 0, 1.5), DEFAULT_ARCFACE.margin)
    .option('--scale <s>', 'ArcFace logit scale', numberIn('--scale', 1, 128), DEFAULT_ARCFACE.scale)
    .option('--dim <n>', 'embedding dimension', wholeNumberIn('--dim', 16, 2048), DEFAULT_ARCFACE.embeddingDim)
    .action(async (options: { project: string; groupBy: EmbeddingGrouping; margin: number; scale: number; dim: number }) => {
      const target = projectNamed(options.project);
      const request = checked('embeddings.start', { projectId: target.id, groupBy: options.groupBy, margin: options.margin, scale: options.scale, embeddingDim: options.dim });
      const outcome = await followJob(app(), app().embeddings.run(request), io);
      const heldOut = outcome.heldOut
        ? `Top-1 neighbour accuracy on held-out patients: ${(outcome.heldOut.accuracy * 100).toFixed(1)}% ` +
          `(always guessing the commonest label: ${(outcome.heldOut.majorityRate * 100).toFixed(1)}%; ${outcome.heldOut.images} images, ${outcome.heldOut.folds} folds).\n`
        : 'Neighbour accuracy on held-out patients needs a model trained with two or more folds.\n';
      print(
        outcome,
        `Embedded ${outcome.embedded} images of ${target.name} with model ${outcome.modelId} (${outcome.embeddingDim}-d, by ${options.groupBy}, margin ${options.margin}, scale ${options.scale}; ` +
          `ArcFace loss ${outcome.losses[0]?.toFixed(3)} → ${outcome.losses.at(-1)?.toFixed(3)})` +
          `${outcome.failed ? `; ${outcome.failed} could not be read` : ''}.\n` +
          heldOut,
      );
    });

  program
    .command('similar <image>')
    .description('the nearest graded images of other patients (IMAGE is an id or a file name) and the label their vote suggests')
    .requiredOption('--project <name>')
    .option('--k <count>', 'how many neighbours', (text: string) => {
      const k = Number(text);
      if (!Number.isInteger(k) || k < 1 || k > 100) throw invalid(`--k is a whole number from 1 to 100, not "${text}".`);
      return k;
    }, 10)
    .action((imageRef: string, options: { project: string; k: number }) => {
      const target = projectNamed(options.project);
      const image = app().images.resolve(target.id, imageRef);
      const answer = app().similar.forImage({ imageId: image.id, k: options.k });
      const label = (value: Parameters<typeof describeLabel>[1]) => describeLabel(target.task, value);
      const vote = answer.suggestion
        ? `Suggestion: ${label(answer.suggestion.label)} (${Math.round(answer.suggestion.confidence * 100)}% of the neighbours' similarity${answer.suggestion.confidence >= answer.threshold ? '' : `, below the ${Math.round(answer.threshold * 100)}% threshold`})` +
          `${answer.suggestion.agrees === null ? '' : answer.suggestion.agrees ? '; agrees with the current label' : '; differs from the current label'}.\n`
        : 'No graded neighbours to suggest a label.\n';
      print(
        { image: { id: image.id, fileName: image.fileName }, ...answer },
        `Similar cases of ${image.fileName} (model ${answer.modelId}):\n` +
          table([['#', 'ID', 'FILE', 'LABEL', 'SIMILARITY'], ...answer.neighbours.map((n, i) => [i + 1, n.imageId, n.fileName, label(n.label), n.similarity.toFixed(3)])]) +
          vote,
      );
    });
}

function describeTriage(project: Project, page: TriagePage): string {
  const info = TRIAGE_ORDER_INFO[page.order];
  const head = `${info.title} — ${project.name}, model ${page.modelId}: ${page.reviewed} reviewed, ${page.remaining} remaining of ${page.total}.\n${info.description}\n`;
  if (page.items.length === 0) return `${head}Nothing ${page.total ? 'left ' : ''}to review in this order.\n`;
  const label = (value: Parameters<typeof describeLabel>[1]) => describeLabel(project.task, value);
  return head + table([
    ['#', 'ID', 'FILE', 'READER', 'MODEL', 'SCORE', 'WHY'],
    ...page.items.map((item, i) => [page.offset + i + 1, item.imageId, item.fileName, label(item.label) + (item.reviewed ? ' (reviewed)' : ''), label(item.predicted), scoreText(page.order, item.score), item.reason]),
  ]);
}

interface TrainCliOptions {
  project: string;
  head?: HeadKind;
  backbone?: string;
  featureLayer?: string;
  size?: number;
  features?: FeatureConfigurationId;
  epochs?: number;
  folds?: number;
  holdout?: number;
  batchSize?: number;
  lr?: number;
  schedule?: TrainOptions['schedule'];
  augment?: string;
  balanced?: boolean;
  patience?: number;
  seed?: number;
  name?: string;
  resume?: number;
}

function trainOptions(app: App, cli: TrainCliOptions): Partial<TrainOptions> {
  const options: Partial<TrainOptions> = {};
  if (cli.head) options.head = cli.head;
  if (cli.backbone) options.backboneId = app.backbones.byIdOrFile(cli.backbone, cli.featureLayer, cli.size);
  if (cli.size) options.inputSize = cli.size;
  if (cli.features) options.features = cli.features;
  if (cli.epochs) options.epochs = cli.epochs;
  if (cli.folds && cli.holdout) throw invalid('Choose --folds or --holdout, not both.');
  if (cli.folds) options.validation = { kind: 'k-fold', folds: cli.folds };
  if (cli.holdout !== undefined) {
    if (!(cli.holdout > 0 && cli.holdout < 1)) throw invalid(`--holdout is a share of patients between 0 and 1, not ${cli.holdout}.`);
    options.validation = { kind: 'holdout', fraction: cli.holdout };
  }
  if (cli.batchSize) options.batchSize = cli.batchSize;
  if (cli.lr !== undefined) {
    if (!(cli.lr > 0 && cli.lr < 10)) throw invalid(`--lr must be a positive rate below 10, not ${cli.lr}.`);
    options.learningRate = cli.lr;
  }
  if (cli.schedule) options.schedule = cli.schedule;
  if (cli.augment !== undefined) {
    const list = cli.augment === 'none' ? [] : cli.augment.split(',').map((a) => a.trim());
    const unknown = list.filter((a) => !AUGMENTATIONS.includes(a as Augmentation));
    if (unknown.length) throw invalid(`Unknown augmentation ${unknown.join(', ')}; choose from ${AUGMENTATIONS.join(', ')}.`);
    options.augmentations = list as Augmentation[];
  }
  if (cli.balanced) options.balancedSampling = true;
  if (cli.patience !== undefined) options.earlyStoppingPatience = cli.patience === 0 ? null : cli.patience;
  if (cli.seed !== undefined) options.seed = cli.seed;
  return options;
}

/** `--class` of the gradcam command: a class index or name of the model. */
function gradCamClassOf(model: ModelDetail, text: string): number {
  const byName = model.classes.findIndex((name) => name.toLowerCase() === text.trim().toLowerCase());
  if (byName >= 0) return byName;
  const index = Number(text);
  if (/^\d+$/.test(text.trim()) && index < model.classes.length) return index;
  throw invalid(`"${text}" is not one of model ${model.id}'s classes: ${model.classes.map((name, k) => `${k} ${name}`).join(', ')}.`);
}

function describeModel(model: ModelDetail): string {
  const seconds = model.finishedAt ? (Date.parse(model.finishedAt) - Date.parse(model.createdAt)) / 1000 : null;
  return `Model ${model.id} (${model.name}): ${model.status}, ${model.trainingImages} training images, ${model.epochs.length} epochs over all folds` +
    (seconds !== null ? `, ${formatDuration(seconds)} since it was created` : '') + '.';
}

function describeEvaluation(evaluation: Evaluation | null): string {
  if (!evaluation) return 'No evaluation.\n';
  const lines = [
    `Measured on ${evaluation.samples} images from ${evaluation.groups} patients the model did not train on (${evaluation.basis}):`,
    `  QWK ${fixed(evaluation.qwk)}  accuracy ${fixed(evaluation.accuracy)}  balanced accuracy ${fixed(evaluation.balancedAccuracy)}` +
      (evaluation.macroF1 !== null ? `  macro-F1 ${fixed(evaluation.macroF1)}` : '') +
      (evaluation.calibration ? `  ECE ${fixed(evaluation.calibration.ece)}` : ''),
  ];
  if (evaluation.referable) {
    const r = evaluation.referable;
    lines.push(`  Referable DR (grade ≥ 2; ${r.positives} positive, ${r.negatives} negative): AUC ${fixed(r.auc)}, at threshold ${r.threshold}: sensitivity ${fixed(r.sensitivity)}, specificity ${fixed(r.specificity)}`);
  }
  if (evaluation.confusion) {
    lines.push('  Confusion (rows: reader, columns: model):');
    evaluation.confusion.forEach((row, k) => lines.push(`    ${evaluation.classes[k]!.padEnd(18)} ${row.map((n) => String(n).padStart(5)).join('')}`));
  }
  return `${lines.join('\n')}\n`;
}

const fixed = (value: number | null | undefined) => (value === null || value === undefined ? '—' : value.toFixed(3));

function parseWhole(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw invalid(`"${text}" is not a positive whole number.`);
  return value;
}

function parseWholeOrZero(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw invalid(`"${text}" is not a whole number.`);
  return value;
}

const numberIn = (flag: string, min: number, max: number) => (text: string) => {
  const value = Number(text);
  if (!(Number.isFinite(value) && value >= min && value <= max)) throw invalid(`${flag} is a number from ${min} to ${max}, not "${text}".`);
  return value;
};

const wholeNumberIn = (flag: string, min: number, max: number) => (text: string) => {
  const value = numberIn(flag, min, max)(text);
  if (!Number.isInteger(value)) throw invalid(`${flag} is a whole number from ${min} to ${max}, not "${text}".`);
  return value;
};
