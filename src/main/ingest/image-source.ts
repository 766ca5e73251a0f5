import { ImageDecodeError, MAX_IMAGE_BYTES, type ImageSource } from '../imaging/decode';
import { dicomFrames } from './dicom/frames';
import { parseFrameAddress } from './dicom/frame-address';
import { hasDicomPreamble, readDicom } from './dicom/read-dicom';
import { readRegularFile } from './regular-file';

/**
 * The one way an imported image is read back for decoding: its file's bytes, or for a DICOM file the
 * frame its address names (`file.dcm#frame-3`), ready for `fittedImage`.
 */
export async function readImageSource(address: string, signal?: AbortSignal): Promise<ImageSource> {
  const { file, frame, framed } = parseFrameAddress(address);
  const bytes = await readRegularFile(file, MAX_IMAGE_BYTES, signal);
  if (hasDicomPreamble(bytes)) {
    const frames = dicomFrames(readDicom(bytes));
    if (frame >= frames.count) throw new ImageDecodeError('dicom-damaged', `The DICOM file now holds ${frames.count} frame(s); frame ${frame + 1} is gone.`);
    return frames.frame(frame);
  }
  if (framed) throw new ImageDecodeError('not-an-image', `"${file}" is no longer a DICOM file, so it has no frame ${frame + 1}.`);
  return bytes;
}
