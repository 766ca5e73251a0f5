import { describeChange } from '../../shared/label-events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { HAM10000_CLASSES, HPA_LABELS, TASK_KINDS, type TaskKind } from '../../shared/domain';
import { GradedeskError, invalid } from '../../shared/errors';
import { SUBMISSION_FORMATS, SUBMISSION_SOURCES, type SubmissionFormat, type SubmissionSource } from '../../shared/exports';
import type { ImportReport } from '../../shared/import-report';
import { describeLabel, parseLabelInput } from '../../shared/labels';
import { version } from '../../../package.json';
import { isLoopback } from '../bridge/hosts';
import { startBridge } from '../bridge/server';
import { createApp, type App } from '../app';
import { DEMO_PROJECT_NAME } from '../app/demo';
import { resolveDataDir } from '../paths';
import { backupData, checkDataDir, restoreData } from '../app/maintenance';
import { DATABASE_FILE_NAME } from '../store/database';
import { storageFailure } from '../store/failures';
import { Workspace } from '../app/workspace';
import { describeAgreement } from './agreement-text';
import { registerMlCommands } from './ml-commands';
import { registerUserCommands } from './user-commands';
import { registerProtocolCommands } from './protocol-commands';
import { formatDuration, processIO, progressPrinter, table, type CliIO } from './output';
import { checked, followJob } from './requests';

interface GlobalOptions {
  data?: string;
  json?: boolean;
}

const CLASS_PRESETS: Record<string, readonly string[]> = { ham10000: HAM10000_CLASSES, hpa: HPA_LABELS };

/** Where the built app keeps what the CLI serves; the entry point knows, wherever the bundler puts this module. */
export interface CliPlaces {
  rendererDir?: string;
}

/** Runs one CLI invocation and returns its exit code: 0 success, 1 a failure explained to the user, 2 a usage error. */
export async function runCli(argv: readonly string[], io: CliIO = processIO, places: CliPlaces = {}): Promise<number> {
  let workspace: Workspace | null = null;
  let application: App | null = null;
  const program = new Command('gradedesk')
    .description('Gradedesk: grade, triage and train on medical images, on this machine.')
    .option('--data <dir>', 'data directory (default: $GRADEDESK_DATA, else the desktop app\'s folder)')
    .option('--json', 'print machine-readable JSON on stdout')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  const globals = () => program.opts<GlobalOptions>();
  const open = () => (workspace ??= Workspace.open(resolveDataDir(globals().data)));
  const app = () => (application ??= createApp(open()));
  const print = (json: unknown, text: string) => io.stdout(globals().json ? `${JSON.stringify(json, null, 2)}\n` : text);
  const projectNamed = (name: string) => app().projects.named(name);

  const project = program.command('project').description('create and list projects');
  project
    .command('create <name>')
    .description('create a project')
    .addOption(new Option('--task <kind>', 'what readers decide').choices(TASK_KINDS).default('dr-grade'))
    .option('--classes <names>', 'comma-separated class names, or a preset: ham10000, hpa')
    .action((name: string, options: { task: TaskKind; classes?: string }) => {
      const preset = options.classes ? CLASS_PRESETS[options.classes.toLowerCase()] : undefined;
      const classes = preset ? [...preset] : options.classes?.split(',').map((c) => c.trim()).filter(Boolean);
      const created = app().projects.create(checked('projects.create', { name, task: options.task, classes }));
      print(created, `Created project "${created.name}" (${created.task.kind}: ${created.task.classes.join(', ')}).\n`);
    });
  project
    .command('list')
    .description('list projects')
    .action(() => {
      const projects = app().projects.list();
      const rows = projects.map(({ stats, ...p }) => ({ ...p, images: stats.images }));
      print(rows, projects.length ? table([['NAME', 'TASK', 'IMAGES', 'CREATED'], ...rows.map((p) => [p.name, p.task.kind, p.images, p.createdAt.slice(0, 10)])]) : 'No projects yet.\n');
    });

  program
    .command('import <folder>')
    .description('import a folder of images, recursively, with an optional label file')
    .requiredOption('--project <name>', 'project to import into')
    .option('--labels <csv>', 'label file (APTOS, EyePACS, HAM10000, HPA or generic file,label)')
    .action(async (folder: string, options: { project: string; labels?: string }) => {
      const target = projectNamed(options.project);
      const job = app().imports.run(checked('imports.start', { projectId: target.id, folder, labelsFile: options.labels }));
      const report = await followJob(app(), job, io, { cancelOnInterrupt: false });
      print(report, describeImport(report));
      if (report.cancelled) throw new GradedeskError('cancelled', 'The import was cancelled.');
    });

  program
    .command('stats')
    .description('counts per grade or class, unlabelled, ungradable, duplicates, errors, groups')
    .requiredOption('--project <name>')
    .action((options: { project: string }) => {
      const target = projectNamed(options.project);
      const { stats } = app().projects.get({ projectId: target.id });
      const classRows = Object.entries(stats.perClass).map(([key, n]) => [
        target.task.kind === 'dr-grade' ? `grade ${key} (${target.task.classes[Number(key)]})` : key,
        n,
      ]);
      const errorRows = Object.entries(stats.errors).map(([kind, n]) => [`error: ${kind}`, n]);
      print(
        { project: target.name, task: target.task, ...stats },
        table([
          ['images', stats.images],
          ['imported', stats.imported],
          ...classRows,
          ['labelled', stats.labelled],
          ['unlabelled', stats.unlabelled],
          ['ungradable', stats.ungradable],
          ['exact duplicates', stats.duplicates.exact],
          ['near duplicates', stats.duplicates.near],
          ...errorRows,
          ['groups (patients/lesions)', stats.groups],
          ['label events', stats.labelEvents],
        ]),
      );
    });

  program
    .command('grade <image> <value>')
    .description('record a reader\'s label for an image (IMAGE is an id or a file name)')
    .requiredOption('--project <name>')
    .requiredOption('--reader <name>', 'who grades (created on first use)')
    .option('--note <text>')
    .action((imageRef: string, valueText: string, options: { project: string; reader: string; note?: string }) => {
      const target = projectNamed(options.project);
      const image = app().images.resolve(target.id, imageRef);
      const reader = app().readers.ensure(checked('readers.ensure', { name: options.reader }));
      const value = parseLabelInput(target.task, valueText);
      const { event } = app().labels.record(checked('labels.record', { imageId: image.id, value, readerId: reader.id, note: options.note }));
      print(event, `${image.fileName}: ${describeLabel(target.task, event.previousValue)} → ${describeLabel(target.task, event.value)} (event ${event.id}, ${reader.name}).\n`);
    });

  program
    .command('history <image>')
    .description('every event of an image: labels, ungradable flags and notes')
    .requiredOption('--project <name>')
    .action((imageRef: string, options: { project: string }) => {
      const target = projectNamed(options.project);
      const image = app().images.resolve(target.id, imageRef);
      const events = app().labels.history({ imageId: image.id });
      print(
        { image: { id: image.id, fileName: image.fileName }, events },
        events.length
          ? table([
              ['EVENT', 'TIME', 'SOURCE', 'BY', 'CHANGE', 'NOTE'],
              ...events.map((e) => [e.id, e.createdAt, e.source, e.readerName ?? e.origin ?? '', describeChange(target.task, e), e.note ?? '']),
            ])
          : `${image.fileName} has no label events.\n`,
      );
    });

  program
    .command('agreement')
    .description("how far readers agree with each other, and readers and the active model with the current label (Cohen's, quadratic and Fleiss' kappa, 95% intervals)")
    .requiredOption('--project <name>')
    .action((options: { project: string }) => {
      const summary = app().agreement.summary(checked('agreement.summary', { projectId: projectNamed(options.project).id }));
      print(summary, describeAgreement(summary));
    });

  const exportCommand = program.command('export').description('export data');
  const DEIDENTIFY = 'without direct identifiers: patients, images and readers by keyed pseudonyms (the same in every export from this data folder), times by their year, notes and label-file names removed';
  exportCommand
    .command('labels')
    .description('the current label of every image as CSV')
    .requiredOption('--project <name>')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--with-history', 'every label event (the audit trail) instead of the current labels')
    .option('--per-grader', 'the current labels with one more column per reader holding that reader\'s own label')
    .option('--deidentify', DEIDENTIFY)
    .action((options: { project: string; out?: string; withHistory?: boolean; perGrader?: boolean; deidentify?: boolean }) => {
      // Without --out the schema checks the request with "-" (stdout) as its file, which is never opened.
      const request = checked('exports.labels', {
        projectId: projectNamed(options.project).id,
        history: options.withHistory ?? false,
        perGrader: options.perGrader ?? false,
        deidentify: options.deidentify ?? false,
        file: options.out ?? '-',
      });
      if (!options.out) return void io.stdout(app().exports.labelsCsv(request).text);
      const written = app().exports.labels(request);
      print(written, `Wrote ${written.rows} rows to ${written.file}.\n`);
    });
  exportCommand
    .command('predictions')
    .description('a model\'s prediction of every image as CSV: probabilities per class, predicted label, out-of-fold flag, ' +
      'and for DR grading the expected grade and P(referable); images the model has not predicted keep their row with those cells empty')
    .requiredOption('--project <name>')
    .option('--model <id>', 'model id (default: the active model)', parseCount)
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--deidentify', DEIDENTIFY)
    .action((options: { project: string; model?: number; out?: string; deidentify?: boolean }) => {
      const request = checked('exports.predictions', {
        projectId: projectNamed(options.project).id,
        modelId: options.model,
        deidentify: options.deidentify ?? false,
        file: options.out ?? '-',
      });
      if (!options.out) return void io.stdout(app().exports.predictionsCsv(request).text);
      const written = app().exports.predictions(request);
      print(written, `Wrote the predictions of model ${written.modelId} for ${written.rows} images to ${written.file}.\n`);
    });
  exportCommand
    .command('submission')
    .description('a DR project\'s grades as a Kaggle submission (APTOS id_code,diagnosis or EyePACS image,level; the name is the file name ' +
      'without its extension): the graded images\' current labels, or with --from predictions the images a model has predicted')
    .addOption(new Option('--format <format>', 'competition format').choices(SUBMISSION_FORMATS).makeOptionMandatory())
    .requiredOption('--project <name>')
    .addOption(new Option('--from <source>', 'where the grades come from').choices(SUBMISSION_SOURCES).default('labels'))
    .option('--model <id>', 'with --from predictions: model id (default: the active model)', parseCount)
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--deidentify', `${DEIDENTIFY}; the names become image pseudonyms`)
    .action((options: { project: string; format: SubmissionFormat; from: SubmissionSource; model?: number; out?: string; deidentify?: boolean }) => {
      const { project: name, model: modelId, out, deidentify, ...choices } = options;
      const request = checked('exports.submission', { projectId: projectNamed(name).id, ...choices, modelId, deidentify: deidentify ?? false, file: out ?? '-' });
      if (!out) return void io.stdout(app().exports.submissionCsv(request).text);
      const written = app().exports.submission(request);
      print(written, `Wrote ${written.rows} rows to ${written.file}.\n`);
    });
  exportCommand
    .command('coco')
    .description('the images and their current labels as COCO JSON: categories from the project\'s classes, one image-level annotation ' +
      '(category_id, no bbox) per label')
    .requiredOption('--project <name>')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--deidentify', DEIDENTIFY)
    .action((options: { project: string; out?: string; deidentify?: boolean }) => {
      const request = checked('exports.coco', { projectId: projectNamed(options.project).id, deidentify: options.deidentify ?? false, file: options.out ?? '-' });
      if (!options.out) return void io.stdout(app().exports.cocoJson(request).text);
      const written = app().exports.coco(request);
      print(written, `Wrote ${written.images} images and ${written.annotations} labels to ${written.file}.\n`);
    });

  exportCommand
    .command('report')
    .description("a model's evaluation report as one self-contained HTML file: model card, out-of-fold figures with 95% intervals, confusion matrix, " +
      'ROC at the referral threshold, calibration, agreement between graders, and the largest errors with Grad-CAM; print it from Chromium for a PDF')
    .requiredOption('--project <name>')
    .option('--model <id>', 'model id (default: the active model)', parseCount)
    .requiredOption('--out <file>', 'HTML file to write')
    .option('--deidentify', 'image files and graders by their pseudonyms, source folders removed')
    .action(async (options: { project: string; model?: number; out: string; deidentify?: boolean }) => {
      const request = { projectId: projectNamed(options.project).id, modelId: options.model, file: options.out, deidentify: options.deidentify ?? false };
      const written = await app().exports.report(checked('exports.report', request));
      const cams = written.gradCamUnavailable ? `No Grad-CAM in the gallery: ${written.gradCamUnavailable}\n` : '';
      print(written, `Wrote the evaluation report of model ${written.modelId} (${written.images} images of ${written.patients} patients, ${written.errorsShown} errors shown) to ${written.file}.\n${cams}`);
    });

  exportCommand
    .command('dicom')
    .description('the project\'s images imported from DICOM, written as de-identified DICOM files (PS3.15 basic profile: names, dates, ' +
      'accession number and institution removed, UIDs replaced, PatientID a keyed pseudonym) into <dir>/<pseudonym>/<uid>.dcm')
    .requiredOption('--project <name>')
    .requiredOption('--out <dir>', 'folder to write into (made if missing)')
    .action(async (options: { project: string; out: string }) => {
      const written = await app().exports.dicom(checked('exports.dicom', { projectId: projectNamed(options.project).id, folder: options.out }));
      const skipped = written.skipped.map((entry) => `  skipped ${entry.path}: ${entry.reason}\n`).join('');
      print(written, `Wrote ${written.files} de-identified DICOM files (${written.images} images) to ${written.folder}.\n${skipped}`);
    });

  program
    .command('demo')
    .description('generate the built-in demo project (synthetic fundus photographs with known grades)')
    .option('--count <n>', 'number of images', parseCount, 200)
    .option('--seed <s>', 'random seed', parseCount, 1)
    .action(async (options: { count: number; seed: number }) => {
      const progress = progressPrinter(io);
      const { project: demo, report, folder } = await app().demo.open({ ...options, onProgress: progress.update }).finally(progress.end);
      print({ project: demo.name, folder, report }, `Demo project "${DEMO_PROJECT_NAME}" is ready (${folder}).\n${describeImport(report)}`);
    });

  program
    .command('check')
    .description('check the integrity of the data directory')
    .action(() => {
      const report = checkDataDir(resolveDataDir(globals().data), open);
      const { dataDir, problems } = report;
      if (report.schemaVersion === null) {
        print(report, `${problems.join('\n')}\n`);
        throw new GradedeskError('damaged', `The database in ${dataDir} cannot be opened, as said above.`);
      }
      print(report, report.ok ? `${dataDir}: database sound (schema version ${report.schemaVersion}).\n` : `${problems.join('\n')}\n`);
      if (!report.ok) throw new GradedeskError('damaged', `The database in ${dataDir} has ${problems.length} integrity problem(s), listed above.`);
    });

  program
    .command('backup <file>')
    .description('copy the database to FILE while Gradedesk may keep working (SQLite online backup)')
    .action(async (file: string) => {
      const copy = await backupData(open(), file);
      print(copy, `Backed up the database to ${copy.file} (${copy.bytes} bytes).\n`);
    });

  program
    .command('restore <file>')
    .description('replace the database with a backup (a sound Gradedesk database); the replaced one is kept beside it')
    .action(async (file: string) => {
      const dataDir = resolveDataDir(globals().data);
      const restored = await restoreData(dataDir, file);
      print(
        restored,
        `Restored ${restored.restored} into ${dataDir} (schema version ${restored.schemaVersion}).` +
          (restored.kept ? ` The database it replaced is kept as ${restored.kept}.` : '') +
          '\n',
      );
    });

  program
    .command('serve')
    .description('run Gradedesk in a web browser, until Ctrl+C: for one person on this machine (a tokened link), or as a team server when people have passwords')
    .option('--port <n>', 'port to listen on (default: any free port)', parsePort, 0)
    .option('--host <address>', 'address to listen on; anything but loopback exposes the images to the network', '127.0.0.1')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM); needs --tls-key')
    .option('--tls-key <file>', 'the private key (PEM) of --tls-cert')
    .addOption(new Option('--team', 'each person signs in (default when someone has a password: gradedesk user add --password-stdin)').conflicts('single'))
    .option('--single', 'one person on this machine with the tokened link, even when people have passwords')
    .action(async (options: { port: number; host: string; tlsCert?: string; tlsKey?: string; team?: boolean; single?: boolean }) => {
      const rendererDir = places.rendererDir ?? fileURLToPath(new URL('../renderer', import.meta.url));
      if (!fs.existsSync(path.join(rendererDir, 'index.html'))) throw invalid('The UI is not built; run `npm run build` first.');
      const tls = readTls(options.tlsCert, options.tlsKey);
      const team = options.team ? true : options.single ? false : undefined;
      const bridge = await startBridge({ workspace: open(), host: options.host, port: options.port, rendererDir, version, team, tls });
      if (!isLoopback(options.host) && !tls) io.stderr(plainHttpWarning(options.host, bridge.team));
      if (bridge.team && !app().people.teamByDefault()) {
        io.stderr('Nobody can sign in with a password yet: add an admin (gradedesk user add NAME --role admin --password-stdin) or give someone a link (gradedesk user link NAME).\n');
      }
      const how = bridge.team ? 'as a team server (each person signs in)' : 'in browser mode';
      print({ url: bridge.url, token: bridge.token, team: bridge.team }, `Gradedesk is running ${how}: ${bridge.url}\n`);
      // Resolves only on shutdown, so that the workspace stays open while the server runs.
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await bridge.close();
    });

  registerMlCommands(program, { io, app, print, projectNamed });
  registerUserCommands(program, { io, app, print });
  registerProtocolCommands(program, { io, app, print, projectNamed });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const known = error instanceof GradedeskError ? error : storageFailure(error, path.join(resolveDataDir(program.opts<GlobalOptions>().data), DATABASE_FILE_NAME));
    if (known) {
      io.stderr(`gradedesk: ${known.message}\n`);
      return 1;
    }
    io.stderr(`gradedesk: internal error, please report it: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 70;
  } finally {
    await (workspace as Workspace | null)?.close();
  }
}

/** The certificate and key for HTTPS, read now so that a wrong path is said before anything listens. */
function readTls(certFile: string | undefined, keyFile: string | undefined): { cert: Buffer; key: Buffer } | undefined {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw invalid('HTTPS needs both --tls-cert and --tls-key.');
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw invalid(`The TLS ${what} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
  };
  return { cert: read(certFile, 'certificate'), key: read(keyFile, 'key') };
}

/** Said on stderr, impossible to miss, when patient images go over the network unencrypted. */
function plainHttpWarning(host: string, team: boolean): string {
  const rule = '!'.repeat(78);
  return [
    rule,
    `WARNING: Gradedesk is listening on ${host} over plain HTTP, without encryption.`,
    `Anyone on the network path can read the patient images${team ? ', the passwords and the session cookies' : ' and the access token in the link'}.`,
    'Serve HTTPS with --tls-cert FILE --tls-key FILE, or listen on 127.0.0.1 only.',
    rule,
    '',
  ].join('\n');
}

function parseCount(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw invalid(`"${text}" is not a positive whole number.`);
  return value;
}

function parsePort(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65535) throw invalid(`"${text}" is not a port number (0 to 65535; 0 picks a free one).`);
  return value;
}

function describeImport(report: ImportReport): string {
  const lines = [
    `Imported ${report.imported} of ${report.filesFound} files from ${report.folder} in ${formatDuration(report.seconds)}` +
      (report.unchanged ? ` (${report.unchanged} already imported and unchanged)` : '') +
      (report.updated ? ` (${report.updated} changed since the last import)` : '') +
      '.',
  ];
  if (report.duplicates.exact || report.duplicates.near) {
    lines.push(`Duplicates flagged: ${report.duplicates.exact} exact, ${report.duplicates.near} near.`);
  }
  const [cacheFailures, badFiles] = [report.errors.filter((e) => e.kind === 'cache-write-failed'), report.errors.filter((e) => e.kind !== 'cache-write-failed')];
  if (badFiles.length) {
    lines.push(`${badFiles.length} file(s) could not be imported:`);
    for (const error of badFiles) lines.push(`  ${error.path}: [${error.kind}] ${error.message}`);
  }
  if (cacheFailures.length) {
    lines.push(`${cacheFailures.length} image(s) imported, but their thumbnails could not be saved:`);
    for (const error of cacheFailures) lines.push(`  ${error.path}: [${error.kind}] ${error.message}`);
  }
  if (report.skipped.length) {
    lines.push(`${report.skipped.length} entr${report.skipped.length === 1 ? 'y' : 'ies'} of the folder skipped:`);
    for (const entry of report.skipped) lines.push(`  ${entry.path}: [${entry.reason}] ${entry.message}`);
  }
  if (report.labels) {
    const labels = report.labels;
    lines.push(`Labels (${labels.format}, ${labels.file}): ${labels.applied} applied, ${labels.unchanged} unchanged, ${labels.problems.length} problem(s).`);
    for (const problem of labels.problems) lines.push(`  line ${problem.line}: [${problem.kind}] ${problem.message}`);
  }
  return `${lines.join('\n')}\n`;
}

