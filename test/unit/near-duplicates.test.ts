import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderFundus } from '../../src/main/demo/fundus';
import { detailHash, hashInputFromPixels, hammingDistance, perceptualHash } from '../../src/main/imaging/perceptual-hash';
import { findNearDuplicates } from '../../src/main/ingest/near-duplicates';

async function hashes(jpeg: Buffer) {
  const { data, info } = await sharp(jpeg).resize(256, 256, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  const grey = hashInputFromPixels(data, info.width, info.height, info.channels);
  return { phash: perceptualHash(grey), detailHash: detailHash(grey) };
}

const fundusJpeg = (seed: number) => {
  const f = renderFundus({ grade: 0, eye: 'right', seed, width: 320, height: 320 });
  return sharp(f.rgb, { raw: { width: 320, height: 320, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
};

describe('near-duplicate detection', () => {
  it('pairs a resized, re-encoded copy with its original, and nothing else', async () => {
    const original = await fundusJpeg(1);
    const copy = await sharp(original).resize(280).jpeg({ quality: 70 }).toBuffer();
    const images = [
      { id: 1, ...(await hashes(original)) },
      { id: 2, ...(await hashes(await fundusJpeg(2))) },
      { id: 3, ...(await hashes(copy)) },
    ];
    expect(findNearDuplicates(images)).toEqual(new Map([[3, 1]]));
  });

  it('needs the fine structure to agree, not only the layout that every fundus photograph shares', () => {
    const a = { id: 1, phash: 'ffff0000ffff0000', detailHash: '0'.repeat(256) };
    const sameLayout = { id: 2, phash: 'ffff0000ffff0001', detailHash: 'f'.repeat(64) + '0'.repeat(192) };
    expect(hammingDistance(a.phash, sameLayout.phash)).toBe(1);
    expect(findNearDuplicates([a, sameLayout])).toEqual(new Map());
    const copy = { id: 3, phash: 'ffff0000ffff0001', detailHash: 'f'.repeat(8) + '0'.repeat(248) };
    expect(findNearDuplicates([a, copy])).toEqual(new Map([[3, 1]]));
  });

  it('points a chain of copies at the first original', () => {
    const h = { phash: '0123456789abcdef', detailHash: '0'.repeat(256) };
    expect(findNearDuplicates([{ id: 5, ...h }, { id: 9, ...h }, { id: 7, ...h }])).toEqual(new Map([[7, 5], [9, 5]]));
  });
});
