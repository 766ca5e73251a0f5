import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderFundus } from '../../src/main/demo/fundus';
import { benGraham, fundusBounds, preprocessFundus, type RawImage } from '../../src/main/imaging/fundus-preprocess';

/** A flat disc of `colour` on black, centred at (cx, cy). */
function disc(width: number, height: number, cx: number, cy: number, radius: number, colour: [number, number, number]): RawImage {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2) data.set(colour, (y * width + x) * 3);
    }
  }
  return { data, width, height, channels: 3 };
}

describe('fundus preprocessing', () => {
  it('finds the fundus inside a black border, ignoring isolated bright specks', () => {
    const image = disc(300, 200, 170, 100, 60, [180, 80, 40]);
    image.data.set([255, 255, 255], (5 * 300 + 5) * 3); // a speck of burnt-in text in the corner
    const bounds = fundusBounds(image);
    // The circle spans x 110–230 and y 40–160; its tangent tips are thinner than a run and may be trimmed.
    for (const [found, expected] of [[bounds.left, 110], [bounds.top, 40], [bounds.width, 121], [bounds.height, 121]] as const) {
      expect(Math.abs(found - expected)).toBeLessThanOrEqual(2);
    }
  });

  it('keeps the whole frame when the fundus fills it (already cropped photographs)', () => {
    const image = disc(100, 100, 50, 50, 200, [180, 80, 40]);
    expect(fundusBounds(image)).toEqual({ left: 0, top: 0, width: 100, height: 100 });
  });

  it('Ben Graham normalisation maps a flat fundus to mid-grey and keeps local contrast', () => {
    const image = disc(64, 64, 32, 32, 32, [180, 80, 40]);
    // A dark lesion: the blurred copy is still the background colour around it.
    image.data.set([120, 30, 20], (32 * 64 + 32) * 3);
    const blurred = Buffer.from(disc(64, 64, 32, 32, 32, [180, 80, 40]).data);
    const out = benGraham(image, blurred, { cx: 32, cy: 32, radius: 32 });
    expect([...out.subarray((20 * 64 + 20) * 3, (20 * 64 + 20) * 3 + 3)]).toEqual([128, 128, 128]);
    expect(out[(32 * 64 + 32) * 3]).toBe(0); // 4·120 − 4·180 + 128 < 0, clamped: the lesion stands out dark
    expect([...out.subarray(0, 3)]).toEqual([128, 128, 128]); // outside the circle: mid-grey
  });

  it('turns a synthetic fundus photograph into a square-ish, border-free, normalised image', async () => {
    const fundus = renderFundus({ grade: 3, eye: 'left', seed: 5, width: 480, height: 360 });
    const jpeg = await sharp(fundus.rgb, { raw: { width: 480, height: 360, channels: 3 } }).jpeg().toBuffer();
    const result = await preprocessFundus(jpeg, 128);
    expect(Math.max(result.width, result.height)).toBe(128);
    const mean = (channel: number) => {
      let sum = 0;
      for (let i = channel; i < result.data.length; i += 3) sum += result.data[i]!;
      return sum / (result.data.length / 3);
    };
    // Illumination removed: every channel centres on mid-grey instead of the orange-red of the photograph.
    for (const channel of [0, 1, 2]) expect(Math.abs(mean(channel) - 128)).toBeLessThan(20);
  });
});
