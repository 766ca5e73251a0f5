import { mediaUrl } from '../api';

/** Held so that the decoded pictures stay in the image cache until Review asks for them. */
const preloaded = new Map<number, HTMLImageElement>();
const KEEP = 3;

/** Fetches and decodes an image's display copy ahead of time, so that → shows it at once. */
export function preloadDisplay(imageId: number): void {
  if (preloaded.has(imageId)) return;
  const image = new Image();
  image.src = mediaUrl('display', imageId);
  // Failures are of no interest here; Review reports them if the image is opened.
  image.decode().catch(() => undefined);
  preloaded.set(imageId, image);
  if (preloaded.size > KEEP) preloaded.delete(preloaded.keys().next().value!);
}
