import { hammingDistance } from '../imaging/perceptual-hash';

/** Perceptual hashes this close (of 64 bits) may be the same picture re-encoded, resized or re-exposed... */
export const NEAR_DUPLICATE_MAX_DISTANCE = 3;
/** ...and are, when their detail hashes (1024 bits) are this close too. */
export const NEAR_DUPLICATE_MAX_DETAIL_DISTANCE = 160;
const BANDS = 4;
const BAND_HEX = 16 / BANDS;

export interface HashedImage {
  id: number;
  phash: string;
  detailHash: string;
}

const sameScene = (a: HashedImage, b: HashedImage) =>
  hammingDistance(a.phash, b.phash) <= NEAR_DUPLICATE_MAX_DISTANCE &&
  hammingDistance(a.detailHash, b.detailHash) <= NEAR_DUPLICATE_MAX_DETAIL_DISTANCE;

/**
 * Pairs each image with the earliest earlier image showing the same scene.
 * Hashes are split into 4 bands of 16 bits: two hashes at most 3 bits apart agree exactly on at least
 * one band (pigeonhole), so only images sharing a band are compared, not every pair.
 */
export function findNearDuplicates(images: readonly HashedImage[]): Map<number, number> {
  const buckets = Array.from({ length: BANDS }, () => new Map<string, HashedImage[]>());
  const originalOf = new Map<number, number>();
  const ordered = [...images].sort((a, b) => a.id - b.id);
  for (const image of ordered) {
    let original: number | undefined;
    for (let band = 0; band < BANDS; band++) {
      const key = image.phash.slice(band * BAND_HEX, (band + 1) * BAND_HEX);
      for (const candidate of buckets[band]!.get(key) ?? []) {
        if ((original === undefined || candidate.id < original) && sameScene(candidate, image)) {
          original = candidate.id;
        }
      }
    }
    if (original !== undefined) originalOf.set(image.id, originalOf.get(original) ?? original);
    for (let band = 0; band < BANDS; band++) {
      const key = image.phash.slice(band * BAND_HEX, (band + 1) * BAND_HEX);
      const bucket = buckets[band]!.get(key);
      if (bucket) bucket.push(image);
      else buckets[band]!.set(key, [image]);
    }
  }
  return originalOf;
}
