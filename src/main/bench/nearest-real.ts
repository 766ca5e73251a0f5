// Nearest cases over real embeddings: a model trained on the real fundus photographs, its ArcFace head,
// and an index of 100,000 vectors on that head's manifold. The dataset has under two thousand images,
// so the database is grown with within-grade mixes of real backbone features (λ·a + (1−λ)·b, both of
// one grade) embedded by the real head; the queries are real photographs of patients left out of it.
import path from 'node:path';
import type { LabelValue } from '../../shared/domain';
import { taskSpecFor } from '../../shared/domain';
import { createRandom } from '../util/random';
import { loadArcFace } from '../ml/embeddings/arcface-files';
import { embedImages } from '../ml/embeddings/arcface-fit';
import { extractorKey } from '../ml/features/extract-features';
import { featureContext } from '../ml/engine/engine';
import { featureRows } from '../ml/training/head-data';
import { prepareModel } from '../ml/training/training-snapshot';
import { runTraining } from '../ml/training/training-run';
import { TTA_VIEWS } from '../ml/features/views';
import { AnnIndex } from '../search/ann-index';
import { ExactIndex } from '../search/exact-index';
import { recallAt } from '../search/synthetic';
import { Workspace } from '../app/workspace';
import { percentile, printFigure, sampleMs, timed } from './measure';

const VECTORS = 100_000;
const QUERY_PATIENTS = 100;
const K = 10;
const CHUNK = 2048;

const log = (line: string) => process.stderr.write(`[nearest] ${line}\n`);

/** The workspace the ml section trained on the real dataset (same scratch), or a fresh one trained here. */
async function trainedRealModel(scratch: string, dataset: string): Promise<{ workspace: Workspace; modelId: number }> {
  const inputSize = Number(process.env.GRADEDESK_BENCH_ML_SIZE ?? 224);
  const workspace = Workspace.open(path.join(scratch, 'ml-real'));
  const label = path.basename(dataset);
  let project = workspace.store.projects.list().find((p) => p.name === label);
  if (!project) {
    log(`importing ${label}`);
    project = workspace.store.projects.create(label, taskSpecFor('dr-grade'));
    await workspace.startImport({ project, folder: path.join(dataset, 'images'), labelsFile: path.join(dataset, 'trainLabels.csv') }).done;
  }
  const ready = workspace.store.models.list(project.id).find((m) => m.status === 'ready' && m.inputSize === inputSize);
  if (ready) return { workspace, modelId: ready.id };
  log(`training a model @${inputSize} (5 folds by patient)`);
  const modelId = prepareModel(workspace.store, workspace.engine.modelsDir, project, { inputSize, validation: { kind: 'k-fold', folds: 5 } });
  await runTraining(workspace.engine, modelId);
  return { workspace, modelId };
}

export async function benchNearestReal(scratch: string, dataset: string): Promise<void> {
  const { workspace, modelId } = await trainedRealModel(scratch, dataset);
  try {
    const { store } = workspace;
    const model = store.models.get(modelId);
    log(`training the ArcFace head of model ${modelId} and measuring held-out neighbour accuracy`);
    const embedded = await timed(() => workspace.startEmbedding(store.projects.get(model.projectId), {}, modelId).done);
    const { manifest, weights } = loadArcFace(store.models.dir(modelId));

    const context = await featureContext(workspace.engine, model.backboneId, model.inputSize, model.taskKind, { features: model.options.features });
    const key = extractorKey(context);
    const dim = context.extractor.featureDim;
    context.extractor.dispose();
    const byId = new Map(store.images.readable(model.projectId).map((image) => [image.id, image]));
    const graded = store.models
      .trainingImages(modelId)
      .filter((s) => byId.has(s.imageId))
      .map((s) => ({ ...byId.get(s.imageId)!, label: s.label as LabelValue }));

    // Queries: every photograph of QUERY_PATIENTS patients; the database never holds those patients.
    const random = createRandom(5);
    const patients = [...new Set(graded.map((i) => i.groupId))];
    const queryPatients = new Set<string>();
    while (queryPatients.size < Math.min(QUERY_PATIENTS, patients.length - 1)) queryPatients.add(patients[random.int(0, patients.length - 1)]!);
    const queryImages = graded.filter((i) => queryPatients.has(i.groupId));
    const baseImages = graded.filter((i) => !queryPatients.has(i.groupId));
    const d = manifest.embeddingDim;
    const queryVectors = await embedImages(weights, manifest.standardisation, featureRows(store.features, key, dim, queryImages, TTA_VIEWS));
    const queries = queryImages.map((_, i) => queryVectors.slice(i * d, (i + 1) * d));

    log(`growing the database to ${VECTORS.toLocaleString('en-US')} vectors from ${baseImages.length} real images`);
    const perImage = dim * TTA_VIEWS.length;
    const baseRows = featureRows(store.features, key, dim, baseImages, TTA_VIEWS);
    const byGrade = new Map<string, number[]>();
    baseImages.forEach((image, i) => {
      const grade = JSON.stringify(image.label);
      if (!byGrade.has(grade)) byGrade.set(grade, []);
      byGrade.get(grade)!.push(i);
    });
    const database = new Float32Array(VECTORS * d);
    database.set(await embedImages(weights, manifest.standardisation, baseRows));
    for (let start = baseImages.length; start < VECTORS; start += CHUNK) {
      const count = Math.min(CHUNK, VECTORS - start);
      const mixed = new Float32Array(count * perImage);
      for (let m = 0; m < count; m++) {
        const a = random.int(0, baseImages.length - 1);
        const grade = byGrade.get(JSON.stringify(baseImages[a]!.label))!;
        const b = grade[random.int(0, grade.length - 1)]!;
        const lambda = random.next();
        for (let j = 0; j < perImage; j++) mixed[m * perImage + j] = lambda * baseRows[a * perImage + j]! + (1 - lambda) * baseRows[b * perImage + j]!;
      }
      database.set(await embedImages(weights, manifest.standardisation, mixed), start * d);
    }

    const ids = Array.from({ length: VECTORS }, (_, i) => i + 1);
    const exact = new ExactIndex(d);
    exact.add(ids, database);
    const ann = new AnnIndex(d);
    const build = await timed(() => ann.add(ids, database));
    const exactMs = sampleMs(queries.length, (i) => exact.search(queries[i]!, K));
    const annMs = sampleMs(queries.length, (i) => ann.search(queries[i]!, K));
    const recall = recallAt(queries, (q) => ann.search(q, K), (q) => exact.search(q, K));

    const heldOut = embedded.result.heldOut;
    process.stdout.write(
      `\nNearest cases over real embeddings: ${path.basename(dataset)}, model ${modelId} @${model.inputSize}, ArcFace ${d}-d (margin ${manifest.options.margin}, scale ${manifest.options.scale});\n` +
        `  ${baseImages.length} real images + ${(VECTORS - baseImages.length).toLocaleString('en-US')} within-grade feature mixes through the same head; ` +
        `${queries.length} query photographs of ${queryPatients.size} patients not in the index\n`,
    );
    if (heldOut) {
      process.stdout.write(
        `  top-1 neighbour accuracy on held-out patients: ${heldOut.accuracy.toFixed(3)} (majority grade ${heldOut.majorityRate.toFixed(3)}; ${heldOut.images} images, ${heldOut.folds} folds); ` +
          `embedding job ${embedded.seconds.toFixed(1)} s\n`,
      );
    }
    printFigure({ name: 'HNSW index build (usearch, connectivity 16)', value: build.seconds, unit: 's', goal: '< 60 s', met: build.seconds < 60 });
    const p95 = percentile(annMs, 95);
    printFigure({ name: `top-${K} search p95 (HNSW)`, value: p95, unit: 'ms', baseline: { name: 'exact scan p95', value: percentile(exactMs, 95) }, goal: '< 10 ms', met: p95 < 10 });
    printFigure({ name: `recall@${K} against the exact scan (${queries.length} queries)`, value: recall, unit: '', goal: '≥ 0.95', met: recall >= 0.95 });
  } finally {
    await workspace.close();
  }
}
