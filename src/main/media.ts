import sharp from 'sharp';
import { MODEL_MEDIA_KINDS, type MediaKind, type ModelMediaKind } from '../shared/api';
import { notFound } from '../shared/errors';
import { ensureCached, ensureDisplayCopy, THUMBNAIL_JPEG, THUMBNAIL_SIZE } from './imaging/cache';
import { fittedImage, ImageDecodeError } from './imaging/decode';
import { NotRegularFileError } from './ingest/regular-file';
import { readImageSource } from './ingest/image-source';
import { preprocessFundus } from './imaging/fundus-preprocess';
import { cachedGradCam, cachedModelInput } from './ml/explain/gradcam-cache';
import type { Workspace } from './app/workspace';

/** Long side of the preprocessed (Ben Graham) view in Review. */
const PREPROCESSED_SIZE = 1024;

/** The model (and class) a Grad-CAM media URL names. */
export interface ModelMedia {
  modelId: number;
  /** The heat map's class; null for the model's input, which is the same for every class. */
  targetClass: number | null;
}

export type MediaQueryParse = { ok: true; model: ModelMedia | null } | { ok: false; problem: string };

const MODEL_ID = /^[1-9][0-9]{0,15}$/;
const CLASS_INDEX = /^(?:0|[1-9][0-9]{0,2})$/;

export const isModelMedia = (kind: MediaKind): kind is ModelMediaKind => (MODEL_MEDIA_KINDS as readonly string[]).includes(kind);

/**
 * What a media URL's query names: nothing for the image's own kinds (their query is ignored), and for a
 * model's kinds exactly `?model=<id>&class=<k>` (gradcam) or `?model=<id>` (model-input), as plain
 * decimal integers, each once. Anything else is refused with the sentence to answer (as a 404).
 */
export function parseMediaQuery(kind: MediaKind, query: URLSearchParams): MediaQueryParse {
  if (!isModelMedia(kind)) return { ok: true, model: null };
  const withClass = kind !== 'model-input';
  const wanted = withClass ? ['model', 'class'] : ['model'];
  const usage = withClass ? '?model=<model id>&class=<class index>' : '?model=<model id>';
  const refuse = (why: string): MediaQueryParse => ({ ok: false, problem: `${why} A ${kind} image is asked for as /${kind}/<image id>${usage}.` });
  const keys = [...query.keys()];
  const extra = keys.find((key) => !wanted.includes(key));
  if (extra !== undefined) return refuse(`"${extra}" is not part of a ${kind} address.`);
  for (const key of wanted) {
    const values = query.getAll(key);
    if (values.length !== 1) return refuse(values.length ? `"${key}" is given more than once.` : `The ${key} is missing.`);
  }
  const model = query.get('model')!;
  const modelId = Number(model);
  if (!MODEL_ID.test(model) || !Number.isSafeInteger(modelId)) return refuse(`"${model}" is not a model id.`);
  if (kind === 'model-input') return { ok: true, model: { modelId, targetClass: null } };
  const targetClass = query.get('class')!;
  if (!CLASS_INDEX.test(targetClass)) return refuse(`"${targetClass}" is not a class index.`);
  return { ok: true, model: { modelId, targetClass: Number(targetClass) } };
}

/**
 * The cached Grad-CAM file behind a model's media URL, with its ETag. These are never made here: the map
 * is a job (`gradcam.render`), so a map not made yet is a 404 that says so.
 */
export function modelMediaFile(
  workspace: Workspace,
  kind: ModelMediaKind,
  imageId: number,
  { modelId, targetClass }: ModelMedia,
): { file: string; contentType: string; etag: string } {
  const { store, cacheDir } = workspace;
  const image = store.images.get(imageId);
  if (image.status !== 'ok') throw notFound(`Image ${imageId} could not be imported, so there is nothing to show.`);
  const model = store.models.get(modelId);
  if (model.projectId !== image.projectId) throw notFound(`Model ${modelId} belongs to another project than image ${imageId}.`);
  if (kind === 'model-input') {
    // The model's input does not depend on the class: whichever class was rendered first made it.
    const cached = cachedModelInput(cacheDir, model, imageId);
    if (!cached) throw notFound(`Model ${modelId} has not rendered image ${imageId} as its input yet; ask for a Grad-CAM with gradcam.render.`);
    return { file: cached.input, contentType: 'image/png', etag: `"model-input-${modelId}-${image.sha256}-${Math.round(cached.inputMtimeMs)}"` };
  }
  const target = targetClass ?? 0;
  if (target >= model.classes.length) throw notFound(`Model ${modelId} has no class ${target}; its classes are 0–${model.classes.length - 1}.`);
  const cached = cachedGradCam(cacheDir, model, imageId, target);
  if (!cached) throw notFound(`Model ${modelId} has no Grad-CAM of image ${imageId} for class ${target} yet; ask for one with gradcam.render.`);
  const file = kind === 'gradcam-photo' ? cached.photo : kind === 'gradcam-outline' ? cached.outline : cached.heatmap;
  return { file, contentType: 'image/png', etag: `"${kind}-${modelId}-${target}-${image.sha256}-${Math.round(cached.heatmapMtimeMs)}"` };
}

/**
 * The file behind a media URL (thumbnail, display copy or preprocessed view) of an image, found by
 * image id only: the renderer never names a path. Cached copies are made on first request. A model's
 * kinds (Grad-CAM) also need the model the URL's query names, and are only ever read from the cache.
 */
export async function mediaFile(
  workspace: Workspace,
  kind: MediaKind,
  imageId: number,
  model: ModelMedia | null = null,
): Promise<{ file: string; contentType: string }> {
  if (isModelMedia(kind)) {
    if (!model) throw notFound(`A ${kind} image needs the model it belongs to.`);
    const { file, contentType } = modelMediaFile(workspace, kind, imageId, model);
    return { file, contentType };
  }
  const image = workspace.store.images.get(imageId);
  if (image.status !== 'ok') throw notFound(`Image ${imageId} could not be imported, so there is nothing to show.`);
  const { cacheDir } = workspace;
  const source = () =>
    readImageSource(image.path).catch((error: NodeJS.ErrnoException) => {
      if (error instanceof ImageDecodeError) throw notFound(`The file of image ${imageId} cannot be shown: ${error.message}`);
      const why = error instanceof NotRegularFileError ? error.message : `could not be read (${error.code ?? error.message})`;
      throw notFound(`The file of image ${imageId} ${why}.`);
    });
  let file: string;
  if (kind === 'thumbnail') {
    // A deleted cache is rebuilt on demand rather than showing a broken thumbnail.
    file = await ensureCached(cacheDir, 'thumbnails', image.sha256, async () =>
      fittedImage(await source(), THUMBNAIL_SIZE).jpeg(THUMBNAIL_JPEG).toBuffer(),
    );
  } else if (kind === 'display') {
    file = await ensureDisplayCopy(cacheDir, image.sha256, source);
  } else {
    file = await ensureCached(cacheDir, 'preprocessed', image.sha256, async () => {
      const { data, width, height } = await preprocessFundus(await source(), PREPROCESSED_SIZE);
      return sharp(data, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    });
  }
  return { file, contentType: 'image/jpeg' };
}
