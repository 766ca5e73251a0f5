// `npm run bench [-- store work-queue import import-memory ui review-keys ml extraction gradcam onnx resolution nearest corruption fuzz graders gpu]`: performance figures, each beside a bare
// baseline measured in the same run. With no names, every section but gpu (the device check), resolution (an hour of
// training on the development datasets) and extraction (a longer form of ml's extraction figures) runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchApiFuzz } from './bench/api-fuzz-run';
import { benchCorruption } from './bench/corruption';
import { benchExtractionSection } from './bench/extraction-pipeline';
import { benchGpu } from './bench/gpu';
import { benchGraders } from './bench/graders';
import { benchGradCam } from './bench/gradcam';
import { benchImportMemory } from './bench/import-memory';
import { benchImport } from './bench/import-throughput';
import { benchMl } from './bench/ml-engine';
import { benchNearest } from './bench/nearest';
import { benchNearestReal } from './bench/nearest-real';
import { benchOnnxExtraction } from './bench/onnx-extraction';
import { benchResolution } from './bench/resolution';
import { benchStoreQueries } from './bench/store-queries';
import { benchWorkQueue } from './bench/work-queue';

const REAL_DATASET = path.resolve(process.env.GRADEDESK_BENCH_DATASET ?? '../shared/datasets/eyepacs-dev-256');

const sections: Record<string, (scratch: string) => Promise<void> | void> = {
  store: benchStoreQueries,
  // Review's place in a grader's work queue, moving and after a grade.
  'work-queue': benchWorkQueue,
  import: (scratch) => {
    const dataset = fs.existsSync(path.join(REAL_DATASET, 'trainLabels.csv')) ? REAL_DATASET : null;
    if (!dataset) process.stdout.write(`(real-data import skipped: ${REAL_DATASET} not found)\n`);
    return benchImport(scratch, dataset);
  },
  'import-memory': benchImportMemory,
  // Loaded on demand: it drives Chromium through Playwright, a development dependency absent from the device kit.
  ui: async (scratch) => (await import('./bench/ui-grid')).benchGridUi(scratch),
  // Api requests per grading key press in Review, counted in Chromium (Playwright, like ui).
  'review-keys': async (scratch) => (await import('./bench/review-keys')).benchReviewKeys(scratch),
  ml: (scratch) => {
    const dataset = fs.existsSync(path.join(REAL_DATASET, 'trainLabels.csv')) ? REAL_DATASET : null;
    if (!dataset) process.stdout.write(`(real-data training skipped: ${REAL_DATASET} not found)\n`);
    return benchMl(scratch, dataset);
  },
  // Feature extraction alone: preparation (calling thread, one pool worker, a worker per core), cold and warm pipeline, bare predict.
  extraction: benchExtractionSection,
  gradcam: benchGradCam,
  // Frozen extraction through ONNX Runtime against tfjs, and against a bare session.run.
  onnx: benchOnnxExtraction,
  // Feature configurations (size, scales, tiles, channel) on the EyePACS development sets: QWK, AUC, time.
  resolution: () => benchResolution(),
  // The device check: only when asked for by name (`npm run bench -- gpu`).
  gpu: (scratch) => {
    const dataset = fs.existsSync(path.join(REAL_DATASET, 'trainLabels.csv')) ? REAL_DATASET : null;
    return benchGpu(scratch, dataset);
  },
  nearest: async (scratch) => {
    await benchNearest();
    const dataset = fs.existsSync(path.join(REAL_DATASET, 'trainLabels.csv')) ? REAL_DATASET : null;
    if (dataset) await benchNearestReal(scratch, dataset);
    else process.stdout.write(`(real-embedding nearest cases skipped: ${REAL_DATASET} not found)\n`);
  },
  corruption: benchCorruption,
  fuzz: benchApiFuzz,
  // 20 graders at once on one team server over HTTP for a minute, then the history check.
  graders: benchGraders,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in sections));
if (unknown.length) {
  process.stderr.write(`Unknown benchmark section(s): ${unknown.join(', ')}. Sections: ${Object.keys(sections).join(', ')}.\n`);
  process.exit(2);
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-bench-'));
try {
  process.stdout.write(`Gradedesk benchmarks on ${os.cpus().length} cores, Node ${process.version}\n\n`);
  for (const [name, run] of Object.entries(sections)) {
    if (wanted.includes(name) || (wanted.length === 0 && !['gpu', 'resolution', 'extraction'].includes(name))) await run(scratch);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
