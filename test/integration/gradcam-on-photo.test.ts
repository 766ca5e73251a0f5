// A Grad-CAM map carried back onto the photograph lands where the photograph's feature is: the inverse
// of the preprocessing's geometry, checked on a generated fundus with one bright spot.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { gradCamOnPhoto, inputPlacement, mapOnPhoto } from '../../src/main/ml/explain/gradcam-on-photo';
import { preprocessorFor } from '../../src/main/ml/features/preprocessing';
import type { TaskKind } from '../../src/shared/domain';

const WIDTH = 640;
const HEIGHT = 480;
const SPOT = { x: 380, y: 200 };

/** A fundus off the centre of a black frame, as cameras crop it, with one bright spot on it. */
async function photograph(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
    <rect width="100%" height="100%" fill="black"/>
    <circle cx="300" cy="240" r="200" fill="rgb(200,90,40)"/>
    <circle cx="${SPOT.x}" cy="${SPOT.y}" r="6" fill="rgb(255,255,220)"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 95 }).toBuffer();
}

const argmax = (values: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number) || Number.isNaN(values[best] as number)) best = i;
  return best;
};

describe.each<TaskKind>(['dr-grade', 'multilabel', 'multiclass'])('Grad-CAM on the photograph (%s preprocessing)', (kind) => {
  it('puts the hottest point of a map on the photograph where the model input showed the spot', async () => {
    const encoded = await photograph();
    const size = 96;
    // Where the spot is in the model's input, found by running the real preprocessing.
    const input = await preprocessorFor(kind).run(encoded, size);
    const brightness = new Float32Array(size * size).map((_, i) => input[i * 3]! + input[i * 3 + 1]! + input[i * 3 + 2]!);
    const spot = argmax(brightness);
    const values = new Float32Array(size * size);
    values[spot] = 1;
    const map = { values, width: size, height: size, targetClass: 0 };

    const placement = await inputPlacement(encoded, kind, size);
    expect(placement.frame.width / placement.frame.height).toBeCloseTo(WIDTH / HEIGHT, 2);
    const onPhoto = mapOnPhoto(map, placement, size);
    const hottest = argmax(onPhoto);
    const scale = placement.frame.width / WIDTH;
    const x = hottest % placement.frame.width;
    const y = Math.floor(hottest / placement.frame.width);
    // Within a model-input pixel or two of the spot, measured on the photograph.
    const tolerance = 2.5 * (placement.region.width / placement.inner.width) + 2;
    expect(Math.abs(x - SPOT.x * scale)).toBeLessThan(tolerance);
    expect(Math.abs(y - SPOT.y * scale)).toBeLessThan(tolerance);

    const pngs = await gradCamOnPhoto(map, placement, size);
    for (const png of [pngs.heat, pngs.outline]) {
      const meta = await sharp(png).metadata();
      expect([meta.width, meta.height]).toEqual([placement.frame.width, placement.frame.height]);
    }
  });
});
