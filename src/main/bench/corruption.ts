import fs from 'node:fs';
import path from 'node:path';
import { HPA_LABELS, taskSpecFor, type Project } from '../../shared/domain';
import { runCli } from '../cli/program';
import { Store } from '../store';
import { contentDigest, damages, pageCount, type Damage } from '../store/damage';
import { DATABASE_FILE_NAME } from '../store/database';

/** What each command does on a damaged copy, and whether `check` saw the damage. */
export interface DamageOutcome {
  damage: string;
  kind: Damage['kind'];
  /** `gradedesk check` exited non-zero. */
  detected: boolean;
  /** Every row still reads the same as before the damage: it fell in unused space, and there is nothing to detect. */
  harmless: boolean;
  /** What `check` printed on stderr (its sentence). */
  checkSays: string;
  /** Commands that neither worked nor ended with one sentence: an internal error, a stack trace, a crash. */
  unexplained: string[];
  /** Commands that exited 1, with their sentence. */
  refused: string[];
}

/** Every command a user could run on the folder, against the suite's two projects. */
const COMMANDS: readonly string[][] = [
  ['project', 'list'],
  ['stats', '--project', 'Retina'],
  ['stats', '--project', 'Cells'],
  ['history', '10001_left.jpeg', '--project', 'Retina'],
  ['history', 'cell_1.png', '--project', 'Cells'],
  ['export', 'labels', '--project', 'Retina'],
  ['export', 'labels', '--project', 'Cells', '--with-history'],
  ['grade', '10002_right.jpeg', '3', '--project', 'Retina', '--reader', 'Dr Probe'],
  ['grade', 'cell_2.png', 'Nucleoplasm,Cytosol', '--project', 'Cells', '--reader', 'Dr Probe'],
  ['models', 'list', '--project', 'Retina'],
];

/** A sound data folder: a graded dr-grade project and a labelled multilabel one, written through the store. */
export function writeSoundDatabase(dataDir: string): void {
  const store = Store.open(dataDir);
  try {
    const reader = store.readers.ensure('Dr Sound');
    const fill = (project: Project, names: string[], value: (i: number) => number | number[]) =>
      names.forEach((fileName, i) => {
        const stem = fileName.replace(/\.\w+$/, '');
        const id = store.images.insert({
          projectId: project.id, path: `/clinic/${fileName}`, fileName, stem, sha256: `${project.id}${i}`.padStart(64, '0'), phash: null,
          detailHash: null, width: 512, height: 512, bytes: 40_000, format: fileName.endsWith('.png') ? 'png' : 'jpeg',
          groupId: stem.split('_')[0]!, eye: null, status: 'ok', errorKind: null, errorText: null,
        });
        store.labels.record(project.task, { imageId: id, value: value(i), source: 'import', origin: 'labels.csv' });
        if (i % 2) store.labels.record(project.task, { imageId: id, value: value(i + 1), source: 'reader', readerId: reader.id, note: 'second look' });
      });
    const retina = store.projects.create('Retina', taskSpecFor('dr-grade'));
    fill(retina, Array.from({ length: 40 }, (_, i) => `${10001 + Math.floor(i / 2)}_${i % 2 ? 'right' : 'left'}.jpeg`), (i) => i % 5);
    const cells = store.projects.create('Cells', taskSpecFor('multilabel', HPA_LABELS));
    fill(cells, Array.from({ length: 30 }, (_, i) => `cell_${i}.png`), (i) => [i % 28, (i * 3) % 28]);
  } finally {
    store.close();
  }
}

async function cli(dataDir: string, args: readonly string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runCli(['--data', dataDir, ...args], { stdout: () => undefined, stderr: (text) => void (stderr += text), interactive: false });
  return { code, stderr };
}

/** Worked (exit 0), or refused with sentences of its own (exit 1): never an internal error or a stack trace. */
const explained = (run: { code: number; stderr: string }) =>
  run.code === 0 || (run.code === 1 && !/internal error|\n\s+at /.test(run.stderr) && run.stderr.split('\n').filter(Boolean).every((line) => line.startsWith('gradedesk: ')));

/**
 * Damages copies of a sound database in every way `damages` knows (seeded), and runs `check` and every
 * command on each copy.
 */
export async function tryDamages(scratch: string, seed = 1): Promise<DamageOutcome[]> {
  const sound = path.join(scratch, 'sound');
  writeSoundDatabase(sound);
  const original = path.join(sound, DATABASE_FILE_NAME);
  const soundDigest = contentDigest(original);
  const outcomes: DamageOutcome[] = [];
  for (const [index, damage] of damages(pageCount(original), seed).entries()) {
    const dataDir = path.join(scratch, `damaged-${index}`);
    fs.mkdirSync(dataDir, { recursive: true });
    fs.copyFileSync(original, path.join(dataDir, DATABASE_FILE_NAME));
    damage.apply(path.join(dataDir, DATABASE_FILE_NAME));
    const harmless = contentDigest(path.join(dataDir, DATABASE_FILE_NAME)) === soundDigest;
    const check = await cli(dataDir, ['check']);
    const outcome: DamageOutcome = { damage: damage.name, kind: damage.kind, detected: check.code !== 0, harmless, checkSays: check.stderr.trim(), unexplained: [], refused: [] };
    if (!explained(check)) outcome.unexplained.push(`check → ${check.code}: ${check.stderr}`);
    for (const args of COMMANDS) {
      const run = await cli(dataDir, args);
      if (!explained(run)) outcome.unexplained.push(`${args.join(' ')} → ${run.code}: ${run.stderr}`);
      else if (run.code !== 0) outcome.refused.push(`${args.join(' ')}: ${run.stderr.trim()}`);
    }
    outcomes.push(outcome);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return outcomes;
}

/** `npm run bench -- corruption`: damaged databases detected by `check`, and commands that failed without saying why. */
export async function benchCorruption(scratch: string): Promise<void> {
  const outcomes = await tryDamages(path.join(scratch, 'corruption'), Number(process.env.GRADEDESK_CORRUPTION_SEED ?? 1));
  const detected = outcomes.filter((o) => o.detected).length;
  const unexplained = outcomes.flatMap((o) => o.unexplained.map((line) => `${o.damage}: ${line}`));
  const runs = outcomes.length * (COMMANDS.length + 1);
  process.stdout.write('Damaged databases (seeded copies; `gradedesk check` and every command on each)\n');
  for (const outcome of outcomes) {
    const missed = outcome.harmless ? 'no row changed' : `rows changed; ${outcome.refused.length} command(s) refused`;
    process.stdout.write(`  ${outcome.detected ? 'detected' : 'missed  '}  ${outcome.damage}${outcome.detected ? '' : ` (${missed})`}\n`);
  }
  const harmless = outcomes.filter((o) => o.harmless && !o.detected).length;
  process.stdout.write(`  corruptions detected by check: ${detected} of ${outcomes.length} tried (${harmless} of the missed changed no row)\n`);
  process.stdout.write(`  command runs without a sentence (internal error, stack trace): ${unexplained.length} of ${runs}\n`);
  for (const line of unexplained) process.stdout.write(`    ${line.split('\n')[0]}\n`);
  process.stdout.write('\n');
}
