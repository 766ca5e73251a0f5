import fs from 'node:fs/promises';
import sharp from 'sharp';
import type { MediaKind } from '../shared/api';
import { notFound } from '../shared/errors';
import { ensureCached, ensureDisplayCopy, THUMBNAIL_JPEG, THUMBNAIL_SIZE } from './imaging/cache';
import { fittedImage } from './imaging/decode';
import { preprocessFundus } from './imaging/fundus-preprocess';
import type { Workspace } from './workspace';

/** Long side of the preprocessed (Ben Graham) view in Review. */
const PREPROCESSED_SIZE = 1024;

/**
 * The file behind a media URL (thumbnail, display copy or preprocessed view) of an image, found by
 * image id only: the renderer never names a path. Cached copies are made on first request.
 */
export async function mediaFile(workspace: Workspace, kind: MediaKind, imageId: number): Promise<{ file: string; contentType: string }> {
  const image = workspace.store.images.get(imageId);
  if (image.status !== 'ok') throw notFound(`Image ${imageId} could not be imported, so there is nothing to show.`);
  const { cacheDir } = workspace;
  const source = () => fs.readFile(image.path);
  let file: string;
  if (kind === 'thumbnail') {
    // A deleted cache is rebuilt on demand rather than showing a broken thumbnail.
    file = await ensureCached(cacheDir, 'thumbnails', image.sha256, async () =>
      fittedImage(await source(), THUMBNAIL_SIZE).jpeg(THUMBNAIL_JPEG).toBuffer(),
    );
  } else if (kind === 'display') {
    file = await ensureDisplayCopy(cacheDir, image.path, image.sha256);
  } else {
    file = await ensureCached(cacheDir, 'preprocessed', image.sha256, async () => {
      const { data, width, height } = await preprocessFundus(await source(), PREPROCESSED_SIZE);
      return sharp(data, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    });
  }
  return { file, contentType: 'image/jpeg' };
}
