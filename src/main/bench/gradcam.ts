// Grad-CAM: time per image against a bare backbone forward pass of the same pixels (measured in the
// same run), the cost of a rendered, cached overlay, and how well the maps land on the demo's known
// lesions (hottest 10% on lesions against a uniform map, and the pointing game).
import path from 'node:path';
import { taskSpecFor } from '../../shared/domain';
import { writeDemoDataset } from '../demo/dataset';
import { tf } from '../ml/engine/backend';
import { featureContext } from '../ml/engine/engine';
import { measureLocalisation } from '../ml/explain/gradcam-localisation';
import { openGradCamSession, renderGradCams } from '../ml/explain/gradcam-render';
import { modelReadyPixels } from '../ml/features/preprocessing';
import { Workspace } from '../app/workspace';
import { percentile, printFigure, sampleMs, timed } from './measure';

const IMAGES = 120;
const RENDERED = 10;

const log = (line: string) => process.stderr.write(`[gradcam] ${line}\n`);

export async function benchGradCam(scratch: string): Promise<void> {
  const inputSize = Number(process.env.GRADEDESK_BENCH_ML_SIZE ?? 224);
  log(`writing ${IMAGES} demo photographs with lesion masks`);
  const demo = await writeDemoDataset(path.join(scratch, 'gradcam-demo'), { count: IMAGES, seed: 41, minSize: 512, maxSize: 640 });
  const workspace = Workspace.open(path.join(scratch, 'gradcam-data'));
  try {
    const project = workspace.store.projects.create('Grad-CAM bench', taskSpecFor('dr-grade'));
    await workspace.startImport({ project, folder: path.join(demo.dir, 'images'), labelsFile: demo.labelsFile }).done;
    log(`training a model @${inputSize} (5 folds by patient)`);
    // One view at the bench's size, so that the bare baseline below runs the very backbone the map is made from.
    const { modelId, job } = workspace.startTraining(project, { inputSize, epochs: 20, features: 'single' });
    await job.done;
    const model = workspace.store.models.get(modelId);

    const byName = new Map(demo.images.map((image) => [`${image.name}.jpeg`, image]));
    const diseased = workspace.store.images
      .readable(project.id)
      .filter((image) => (image.label as number) >= 2)
      .map((image) => ({ imageId: image.id, photograph: image.path, maskFile: byName.get(path.basename(image.path))!.maskFile }));

    const session = await openGradCamSession(workspace.engine, modelId);
    let summary;
    try {
      summary = await measureLocalisation(session, diseased);
    } finally {
      session.close();
    }

    // Baseline: the backbone alone on the same model-ready pixels, read back as Grad-CAM reads its map.
    const context = await featureContext(workspace.engine, model.backboneId, inputSize, model.taskKind);
    const pixels = await Promise.all(diseased.map((d) => modelReadyPixels(workspace.engine.cacheDir, context.preprocessor, inputSize, workspace.store.images.get(d.imageId))));
    const forwardMs = sampleMs(pixels.length, (i) =>
      tf.tidy(() => context.extractor.maps(context.extractor.normalise(tf.tensor4d(new Uint8Array(pixels[i]!), [1, inputSize, inputSize, 3], 'int32'))).dataSync()),
    );
    context.extractor.dispose();

    const rendered = await timed(() => renderGradCams(workspace.engine, modelId, diseased.slice(0, RENDERED).map((d) => d.imageId), null));

    process.stdout.write(
      `\nGrad-CAM: ${model.backboneId} @${inputSize}, ${model.options.head} head averaged over ${model.options.validation.kind === 'k-fold' ? model.options.validation.folds : 1} fold heads, ` +
        `predicted class, ${summary.images} demo images of grade >= 2 (QWK ${model.metrics?.qwk?.toFixed(3) ?? 'n/a'} out of fold)\n`,
    );
    const p50 = percentile(summary.computeMs, 50);
    printFigure({ name: 'Grad-CAM per image, p50 (maps, gradient, weighting)', value: p50, unit: 'ms', baseline: { name: 'bare backbone forward p50', value: percentile(forwardMs, 50) } });
    printFigure({ name: 'Grad-CAM per image, p95', value: percentile(summary.computeMs, 95), unit: 'ms', baseline: { name: 'bare backbone forward p95', value: percentile(forwardMs, 95) } });
    printFigure({ name: `rendered and cached overlay per image (${RENDERED} images, PNG encode included)`, value: (rendered.seconds * 1000) / RENDERED, unit: 'ms' });
    const ratio = summary.meanHotShare / summary.meanUniformShare;
    printFigure({
      name: 'share of the hottest 10% of the fundus on lesions',
      value: summary.meanHotShare,
      unit: '',
      baseline: { name: 'uniform map (lesion share of the fundus)', value: summary.meanUniformShare },
      goal: 'clearly beats uniform (ratio ≥ 1.5)',
      met: ratio >= 1.5,
    });
    process.stdout.write(`  images where the hottest 10% beats uniform: ${summary.beatsUniform} of ${summary.images}\n`);
    printFigure({
      name: `pointing game hit rate (hottest pixel within ${Math.round(inputSize * 0.03)} px of a lesion)`,
      value: summary.pointingHitRate,
      unit: '',
      baseline: { name: 'a random fundus pixel', value: summary.pointingChance },
    });
  } finally {
    await workspace.close();
  }
}
