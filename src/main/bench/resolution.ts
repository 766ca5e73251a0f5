// `npm run bench -- resolution`: what each feature configuration (size, scales, tiles, channel) gives a
// DR project, trained by the app's own training run (import, patient-grouped 5-fold snapshot, frozen
// extraction, ordinal head per fold, out-of-fold evaluation with patient-bootstrap intervals), on the
// development sets eyepacs-dev-1024 and eyepacs-dev-256. The workspace lives in a cache folder outside
// the scratch space (GRADEDESK_BENCH_CACHE), so a rerun reuses the extracted features; the extraction
// time is then the one recorded when the features were made, and says so.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { taskSpecFor } from '../../shared/domain';
import { FEATURE_CONFIGURATIONS, TILE_SIZE, type FeatureConfiguration, type Interval } from '../../shared/ml';
import type { Project } from '../../shared/domain';
import { Workspace } from '../app/workspace';
import { initBackend } from '../ml/engine/backend';
import { evaluateModel } from '../ml/evaluate/model-evaluation';
import { compareModels } from '../ml/evaluate/model-comparison';
import { runTraining } from '../ml/training/training-run';
import { prepareModel } from '../ml/training/training-snapshot';

const DATASETS = ['eyepacs-dev-1024', 'eyepacs-dev-256'];
/** The budget the default must fit: a 1,000-photograph project, extraction included. */
const PROJECT_IMAGES = 1000;
const BUDGET_SECONDS = 30 * 60;

const log = (line: string) => process.stderr.write(`[resolution] ${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' / ');

interface ExtractionRecord {
  seconds: number;
  images: number;
  loadAverage: string;
  at: string;
}

/** Extraction times recorded when the features were computed (a rerun finds them cached). */
class ExtractionTimes {
  private readonly records: Record<string, ExtractionRecord>;
  constructor(private readonly file: string) {
    this.records = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, ExtractionRecord>) : {};
  }
  get(key: string): ExtractionRecord | undefined {
    return this.records[key];
  }
  /** Merged into the file as it is now: another bench process may have recorded a configuration meanwhile. */
  set(key: string, record: ExtractionRecord): void {
    const now = fs.existsSync(this.file) ? (JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, ExtractionRecord>) : {};
    Object.assign(this.records, now, { [key]: record });
    fs.writeFileSync(this.file, JSON.stringify(this.records, null, 2));
  }
}

export function describeConfiguration(c: FeatureConfiguration): string {
  const whole = `whole fundus @${c.globalSize ?? TILE_SIZE} px`;
  const tiles = c.tiles ? ` + ${c.tiles.grid}×${c.tiles.grid} tiles of ${TILE_SIZE} px from the fundus @${c.tiles.canvas} px (mean+max)` : '';
  return `${whole}${tiles}, ${c.channel === 'green' ? 'green channel' : 'RGB'}`;
}

const interval = (i: Interval | null | undefined) => (i ? ` [${i.low.toFixed(3)}, ${i.high.toFixed(3)}]` : '');
const figure = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : value.toFixed(3));

async function openProject(workspace: Workspace, dataset: string): Promise<ReturnType<Workspace['store']['projects']['create']>> {
  const name = path.basename(dataset);
  const existing = workspace.store.projects.list().find((p) => p.name === name);
  if (existing) return existing;
  log(`${name}: importing`);
  const project = workspace.store.projects.create(name, taskSpecFor('dr-grade'));
  await workspace.startImport({ project, folder: path.join(dataset, 'images'), labelsFile: path.join(dataset, 'trainLabels.csv') }).done;
  return project;
}

/** The model a configuration was last trained as in this workspace, when it finished. */
function finishedModel(workspace: Workspace, projectId: number, configuration: FeatureConfiguration): number | null {
  const ready = workspace.store.models.list(projectId).filter((m) => m.status === 'ready');
  const same = ready.find((m) => (workspace.store.models.get(m.id).options.features ?? 'single') === configuration.id);
  return same?.id ?? null;
}

/** Trains the configuration with the app's training run; returns the model and the seconds its extraction took now. */
async function train(workspace: Workspace, project: Project, configuration: (typeof FEATURE_CONFIGURATIONS)[number]): Promise<{ modelId: number; extractionNow: number; loadBefore: string }> {
  const modelId = prepareModel(workspace.store, workspace.engine.modelsDir, project, { features: configuration.id, validation: { kind: 'k-fold', folds: 5 } });
  const loadBefore = load();
  log(`${project.name}, ${configuration.id}: training model ${modelId} (load ${loadBefore})`);
  const started = performance.now();
  let trainingFrom: number | null = null;
  await runTraining(workspace.engine, modelId, { onProgress: (progress) => (progress.training ? (trainingFrom ??= performance.now()) : undefined) });
  return { modelId, extractionNow: ((trainingFrom ?? started) - started) / 1000, loadBefore };
}

async function measure(workspace: Workspace, dataset: string, configuration: (typeof FEATURE_CONFIGURATIONS)[number], times: ExtractionTimes): Promise<void> {
  const name = path.basename(dataset);
  const project = await openProject(workspace, dataset);
  const key = `${name}/${configuration.id}`;
  const reused = process.env.GRADEDESK_BENCH_RETRAIN ? null : finishedModel(workspace, project.id, configuration);
  let modelId: number;
  if (reused !== null && times.get(key)) {
    modelId = reused;
    log(`${name}, ${configuration.id}: model ${modelId} trained earlier (GRADEDESK_BENCH_RETRAIN=1 trains again)`);
  } else {
    const trained = await train(workspace, project, configuration);
    modelId = trained.modelId;
    const images = workspace.store.models.get(modelId).trainingImages;
    // Under 0.02 s per image means the features came from the cache.
    if (trained.extractionNow > 0.02 * images) times.set(key, { seconds: trained.extractionNow, images, loadAverage: trained.loadBefore, at: new Date().toISOString() });
  }
  const model = workspace.store.models.get(modelId);
  const extraction = times.get(key) ?? { seconds: 0, images: model.trainingImages, loadAverage: 'unknown: the features were cached before this workspace recorded times', at: 'never' };
  const extractionSeconds = extraction.seconds;
  const trainingSeconds = model.epochs.reduce((sum, epoch) => sum + epoch.seconds, 0);
  const wall = extractionSeconds + trainingSeconds;
  const evaluation = evaluateModel(workspace.store, modelId);
  const perImage = extractionSeconds / model.trainingImages;
  const projected = perImage * PROJECT_IMAGES + trainingSeconds * (PROJECT_IMAGES / model.trainingImages);
  out(`${name} · ${configuration.id}: ${describeConfiguration(configuration)}`);
  out(`  QWK ${figure(evaluation.qwk)}${interval(evaluation.intervals?.qwk)} · referable AUC ${figure(evaluation.referable?.auc)}${interval(evaluation.intervals?.referableAuc)} (95% patient bootstrap)`);
  out(
    `  ${model.trainingImages} images, ${evaluation.groups} patients, ${evaluation.referable?.positives ?? 0} referable; ` +
      `extraction ${extractionSeconds.toFixed(0)} s (${(1 / perImage).toFixed(1)} img/s, measured ${extraction.at} at load ${extraction.loadAverage}) ` +
      `+ head training ${trainingSeconds.toFixed(0)} s (its epochs' times, model ${modelId}) = ${wall.toFixed(0)} s`,
  );
  out(
    `  a ${PROJECT_IMAGES}-photograph project at these rates: about ${(projected / 60).toFixed(1)} min (budget ${BUDGET_SECONDS / 60} min: ${projected <= BUDGET_SECONDS ? 'fits' : 'over'})`,
  );
  const baseline = workspace.store.models.list(project.id).find((m) => m.id !== modelId && m.status === 'ready' && !workspace.store.models.get(m.id).options.features);
  if (baseline) {
    const comparison = compareModels(workspace.store, modelId, baseline.id);
    const gain = (metric: 'qwk' | 'referableAuc') => {
      const compared = comparison.metrics.find((m) => m.metric === metric);
      return `${compared?.difference === null || compared?.difference === undefined ? 'n/a' : (compared.difference >= 0 ? '+' : '') + compared.difference.toFixed(3)}${interval(compared?.interval)}`;
    };
    out(`  against single-scale (model ${baseline.id}) on the same ${comparison.images} images, paired patient bootstrap: QWK ${gain('qwk')}, referable AUC ${gain('referableAuc')}`);
  }
  out(`  README row: | ${name} | ${configuration.id} | ${figure(evaluation.qwk)}${interval(evaluation.intervals?.qwk)} | ${figure(evaluation.referable?.auc)}${interval(evaluation.intervals?.referableAuc)} | ${extractionSeconds.toFixed(0)} + ${trainingSeconds.toFixed(0)} s | ${(projected / 60).toFixed(1)} min |`);
}

export async function benchResolution(): Promise<void> {
  const root = path.resolve(process.env.GRADEDESK_BENCH_DATASETS ?? '../shared/datasets');
  const present = DATASETS.map((d) => path.join(root, d)).filter((d) => fs.existsSync(path.join(d, 'trainLabels.csv')));
  if (present.length === 0) {
    out(`(resolution skipped: neither ${DATASETS.join(' nor ')} is in ${root}; set GRADEDESK_BENCH_DATASETS to the folder that holds them)`);
    return;
  }
  const wanted = process.env.GRADEDESK_BENCH_CONFIGS?.split(',') ?? FEATURE_CONFIGURATIONS.map((c) => c.id);
  const configurations = FEATURE_CONFIGURATIONS.filter((c) => wanted.includes(c.id));
  const wantedSets = process.env.GRADEDESK_BENCH_SETS?.split(',');
  const cache = path.resolve(process.env.GRADEDESK_BENCH_CACHE ?? path.join(os.tmpdir(), 'gradedesk-bench-resolution'));
  fs.mkdirSync(cache, { recursive: true });
  const backend = await initBackend();
  out(`Feature configurations on ${os.cpus().length} cores (tfjs ${backend.backend} trains the heads; extraction through ONNX Runtime where it loads), load average at start ${load()}; workspace ${cache}`);
  for (const dataset of present) {
    if (wantedSets && !wantedSets.includes(path.basename(dataset))) continue;
    const workspace = Workspace.open(path.join(cache, path.basename(dataset)));
    const times = new ExtractionTimes(path.join(cache, path.basename(dataset), 'extraction-times.json'));
    try {
      for (const configuration of configurations) await measure(workspace, dataset, configuration, times);
    } finally {
      await workspace.close();
    }
  }
  for (const missing of DATASETS.filter((d) => !present.some((p) => path.basename(p) === d))) out(`(${missing} skipped: not in ${root})`);
}
