#!/usr/bin/env node
// Renders resources/icons/icon.svg to the PNGs electron-builder packages (they are generated, not committed):
//   resources/icons/icon.png     1024 px: electron-builder derives the macOS .icns and Windows .ico from it
//   resources/icons/256x256.png  Linux icon set (the size is read from the file name)
// Run directly (`node scripts/make-icons.js`); electron-builder.yml also runs it as its `beforePack` hook.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';

const iconsDir = fileURLToPath(new URL('../resources/icons/', import.meta.url));
const source = path.join(iconsDir, 'icon.svg');
const outputs = [
  { file: path.join(iconsDir, 'icon.png'), size: 1024 },
  { file: path.join(iconsDir, '256x256.png'), size: 256 },
];

/** Writes every PNG and returns their paths. Ignores its arguments (electron-builder passes a pack context). */
export default async function makeIcons() {
  await mkdir(iconsDir, { recursive: true });
  for (const { file, size } of outputs) {
    // Rasterise at the target size (density scales the 1024-unit SVG) rather than downscaling a bitmap.
    await sharp(source, { density: (72 * size) / 1024 })
      .resize(size, size)
      .png({ compressionLevel: 9 })
      .toFile(file);
  }
  return outputs.map((o) => o.file);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  for (const file of await makeIcons()) process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
}
