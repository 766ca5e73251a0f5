/**
 * DCT perceptual hash (pHash): 64 bits from the low frequencies of a 32×32 greyscale copy, each bit
 * telling whether a coefficient is above the median. Re-encoded, resized or slightly re-exposed copies
 * of an image land within a few bits of each other.
 */
export const PHASH_INPUT_SIZE = 32;
const LOW_FREQUENCIES = 8;

const cosines = (() => {
  const table = new Float64Array(LOW_FREQUENCIES * PHASH_INPUT_SIZE);
  for (let u = 0; u < LOW_FREQUENCIES; u++) {
    for (let x = 0; x < PHASH_INPUT_SIZE; x++) {
      table[u * PHASH_INPUT_SIZE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * PHASH_INPUT_SIZE));
    }
  }
  return table;
})();

/** `grey` holds 32×32 8-bit luminance values, row by row. Returns 16 hex characters. */
export function perceptualHash(grey: Uint8Array): string {
  const n = PHASH_INPUT_SIZE;
  if (grey.length !== n * n) throw new Error(`perceptualHash needs ${n}×${n} grey pixels, got ${grey.length} values.`);
  // Separable 2-D DCT, keeping only the 8×8 lowest frequencies.
  const rows = new Float64Array(n * LOW_FREQUENCIES);
  for (let y = 0; y < n; y++) {
    for (let u = 0; u < LOW_FREQUENCIES; u++) {
      let sum = 0;
      for (let x = 0; x < n; x++) sum += grey[y * n + x]! * cosines[u * n + x]!;
      rows[y * LOW_FREQUENCIES + u] = sum;
    }
  }
  const coefficients = new Float64Array(LOW_FREQUENCIES * LOW_FREQUENCIES);
  for (let v = 0; v < LOW_FREQUENCIES; v++) {
    for (let u = 0; u < LOW_FREQUENCIES; u++) {
      let sum = 0;
      for (let y = 0; y < n; y++) sum += rows[y * LOW_FREQUENCIES + u]! * cosines[v * n + y]!;
      coefficients[v * LOW_FREQUENCIES + u] = sum;
    }
  }
  // The DC term only measures overall brightness; leave it out of the median.
  const median = [...coefficients.subarray(1)].sort((a, b) => a - b)[31]!;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) value = (value << 1) | (coefficients[nibble * 4 + bit]! > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}

/**
 * The 32×32 luminance input of `perceptualHash`, box-averaged from raw 8-bit pixels (e.g. a thumbnail),
 * so that hashing costs no extra decode.
 */
export function hashInputFromPixels(pixels: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const n = PHASH_INPUT_SIZE;
  const grey = new Uint8Array(n * n);
  for (let gy = 0; gy < n; gy++) {
    const y0 = Math.floor((gy * height) / n);
    const y1 = Math.max(y0 + 1, Math.floor(((gy + 1) * height) / n));
    for (let gx = 0; gx < n; gx++) {
      const x0 = Math.floor((gx * width) / n);
      const x1 = Math.max(x0 + 1, Math.floor(((gx + 1) * width) / n));
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * width + x) * channels;
          sum += channels >= 3 ? 0.299 * pixels[i]! + 0.587 * pixels[i + 1]! + 0.114 * pixels[i + 2]! : pixels[i]!;
        }
      }
      grey[gy * n + gx] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
    }
  }
  return grey;
}

/**
 * A 1024-bit hash of fine structure (vessels, lesions): for each of the 32×32 luminance cells, whether
 * it is brighter than its 3×3 neighbourhood. pHash alone matches different fundus photographs with the
 * same layout (round field, disc, macula); this hash tells them apart. Measured on EyePACS images:
 * re-encoded or re-exposed copies differ in ≤ 70 bits, different eyes with the same pHash in ≥ 278.
 */
export function detailHash(grey: Uint8Array): string {
  const n = PHASH_INPUT_SIZE;
  let hex = '';
  let nibble = 0;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let sum = 0;
      let count = 0;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(n - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(n - 1, x + 1); xx++) {
          sum += grey[yy * n + xx]!;
          count++;
        }
      }
      nibble = (nibble << 1) | (grey[y * n + x]! * count > sum ? 1 : 0);
      if ((y * n + x) % 4 === 3) {
        hex += nibble.toString(16);
        nibble = 0;
      }
    }
  }
  return hex;
}

export function hammingDistance(a: string, b: string): number {
  let distance = 0;
  for (let i = 0; i < a.length; i++) {
    let x = parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16);
    while (x) {
      distance += x & 1;
      x >>= 1;
    }
  }
  return distance;
}
