import { describe, expect, it } from 'vitest';
import { ImageDecodeError, type RawPixels } from '../../src/main/imaging/decode';
import { dicomFacts, isoDate } from '../../src/main/ingest/dicom/dicom-facts';
import { frameAddress, parseFrameAddress } from '../../src/main/ingest/dicom/frame-address';
import { dicomFrames } from '../../src/main/ingest/dicom/frames';
import { readDicom } from '../../src/main/ingest/dicom/read-dicom';
import { dicomBytes, identity, picture, type DicomImage } from '../fixtures/dicom';

const W = 20;
const H = 10;
const who = identity(11);

async function refusal(image: Omit<DicomImage, 'width' | 'height' | 'who'>): Promise<ImageDecodeError> {
  try {
    dicomFrames(readDicom(await dicomBytes({ width: W, height: H, who, ...image })));
  } catch (error) {
    if (error instanceof ImageDecodeError) return error;
    throw error;
  }
  throw new Error('the file was read');
}

describe('DICOM frames', () => {
  it('shows MONOCHROME1 with its lowest value as white', async () => {
    const grey = await picture(1, W, H, 1);
    const frames = dicomFrames(readDicom(await dicomBytes({ width: W, height: H, frames: [grey], photometric: 'MONOCHROME1', who })));
    const pixels = frames.frame(0) as RawPixels;
    expect(pixels.channels).toBe(1);
    expect(Array.from(pixels.data)).toEqual(Array.from(grey, (value) => 255 - value));
  });

  it('refuses 16-bit pixels, and compressed syntaxes by name and UID', async () => {
    const grey = await picture(2, W, H, 1);
    const deep = await refusal({ frames: [grey], photometric: 'MONOCHROME2', bitsAllocated: 16 });
    expect([deep.kind, deep.message]).toEqual(['dicom-unsupported', expect.stringContaining('16 bits per sample; only 8-bit images')]);
    const rle = await refusal({ frames: [grey], photometric: 'MONOCHROME2', transferSyntax: '1.2.840.10008.1.2.5' });
    expect([rle.kind, rle.message]).toEqual(['dicom-unsupported', expect.stringContaining('RLE Lossless (transfer syntax 1.2.840.10008.1.2.5)')]);
    const jpegLs = await refusal({ frames: [grey], photometric: 'MONOCHROME2', transferSyntax: '1.2.840.10008.1.2.4.80' });
    expect(jpegLs.message).toContain('JPEG-LS Lossless (transfer syntax 1.2.840.10008.1.2.4.80)');
  });

  it('refuses a multi-frame file whose last frame is cut short', async () => {
    const frames = [await picture(3, W, H, 3), await picture(4, W, H, 3)];
    const whole = await dicomBytes({ width: W, height: H, frames, photometric: 'RGB', who });
    const error = (() => {
      try {
        return dicomFrames(readDicom(whole.subarray(0, whole.length - 10)));
      } catch (caught) {
        return caught as ImageDecodeError;
      }
    })();
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as ImageDecodeError).kind).toBe('dicom-truncated');
  });

  it('reads the eye from ImageLaterality, else Laterality, and the study date as YYYY-MM-DD', async () => {
    const frames = [await picture(5, W, H, 3)];
    const series = readDicom(await dicomBytes({ width: W, height: H, frames, photometric: 'RGB', laterality: 'L', seriesLaterality: true, who }));
    expect(dicomFacts(series)).toEqual({ patientId: who.patientId, eye: 'left', studyDate: '2024-01-02', manufacturer: 'Topcon', model: 'TRC-NW8' });
    expect(isoDate('20240230')).toBeNull();
    expect(isoDate('2019.07.01')).toBe('2019-07-01');
    expect(isoDate('')).toBeNull();
  });
});

describe('frame addresses', () => {
  it('name a frame of a multi-frame file by a #frame-<n> suffix, and a single frame by the path alone', () => {
    expect(frameAddress('/a/b.dcm', 1, 3)).toBe('/a/b.dcm#frame-2');
    expect(frameAddress('/a/b.dcm', 0, 1)).toBe('/a/b.dcm');
    expect(parseFrameAddress('/a/b.dcm#frame-2')).toEqual({ file: '/a/b.dcm', frame: 1, framed: true });
    expect(parseFrameAddress('/a/b#c.dcm')).toEqual({ file: '/a/b#c.dcm', frame: 0, framed: false });
    expect(parseFrameAddress('/a/b.dcm#frame-0')).toEqual({ file: '/a/b.dcm#frame-0', frame: 0, framed: false });
  });
});
