// Copies a labelled image folder (images/, trainLabels.csv) re-encoded as JPEG at KIT_QUALITY, for the
// device kit; with KIT_LIMIT > 0 only the first KIT_LIMIT labelled images.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const { KIT_SRC: src, KIT_DST: dst, KIT_QUALITY: quality, KIT_LIMIT: limit } = process.env;
const [header, ...lines] = fs.readFileSync(path.join(src, 'trainLabels.csv'), 'utf8').trim().split('\n');
const kept = Number(limit) > 0 ? lines.slice(0, Number(limit)) : lines;
const files = new Map(fs.readdirSync(path.join(src, 'images')).map((file) => [path.parse(file).name, file]));
fs.writeFileSync(path.join(dst, 'trainLabels.csv'), [header, ...kept].join('\n') + '\n');
let bytes = 0;
for (const line of kept) {
  const file = files.get(line.split(',')[0]);
  if (!file) continue;
  const jpeg = await sharp(path.join(src, 'images', file)).jpeg({ quality: Number(quality), mozjpeg: true }).toBuffer();
  fs.writeFileSync(path.join(dst, 'images', `${path.parse(file).name}.jpeg`), jpeg);
  bytes += jpeg.length;
}
console.log(`${kept.length} images, ${(bytes / 1048576).toFixed(1)} MiB as JPEG quality ${quality}`);
