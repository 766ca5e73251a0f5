/**
 * How an image of a multi-frame DICOM file is addressed: the file's path with `#frame-<n>` (1-based)
 * after it, like a URL's fragment. A single-frame file is addressed by its path alone. The address is
 * the image's `path` in the store, so every reader (thumbnails, Review, preprocessing, Grad-CAM) finds
 * the right frame through `readImageSource` without knowing about DICOM.
 */
const FRAME_SUFFIX = /#frame-([1-9][0-9]{0,5})$/;

export function frameAddress(file: string, index: number, count: number): string {
  return count > 1 ? `${file}#frame-${index + 1}` : file;
}

/** The file and the 0-based frame an address names; frame 0 for a plain path. */
export function parseFrameAddress(address: string): { file: string; frame: number; framed: boolean } {
  const match = FRAME_SUFFIX.exec(address);
  if (!match) return { file: address, frame: 0, framed: false };
  return { file: address.slice(0, match.index), frame: Number(match[1]) - 1, framed: true };
}
