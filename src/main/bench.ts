// `npm run bench`: performance figures, each beside a bare baseline measured in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchImport } from './bench/import-throughput';
import { benchStoreQueries } from './bench/store-queries';

const REAL_DATASET = path.resolve(process.env.GRADEDESK_BENCH_DATASET ?? '../shared/datasets/eyepacs-dev-256');

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gradedesk-bench-'));
try {
  process.stdout.write(`Gradedesk benchmarks on ${os.cpus().length} cores, Node ${process.version}\n\n`);
  benchStoreQueries(scratch);
  const dataset = fs.existsSync(path.join(REAL_DATASET, 'trainLabels.csv')) ? REAL_DATASET : null;
  if (!dataset) process.stdout.write(`(real-data import skipped: ${REAL_DATASET} not found)\n`);
  await benchImport(scratch, dataset);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
