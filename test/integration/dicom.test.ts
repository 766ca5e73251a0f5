import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import dcmjs from 'dcmjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSpecFor, type Project } from '../../src/shared/domain';
import type { ImportReport } from '../../src/shared/import-report';
import type { DicomExportResult } from '../../src/shared/dicom-export';
import { createApp, type App } from '../../src/main/app';
import { Workspace } from '../../src/main/app/workspace';
import { cachedImagePath } from '../../src/main/imaging/cache';
import { mediaFile } from '../../src/main/media';
import { runCli } from '../../src/main/cli/program';
import { patientPseudonym } from '../../src/main/export/pseudonym';
import { readImageSource } from '../../src/main/ingest/image-source';
import { modelReadyPixels, preprocessorFor } from '../../src/main/ml/features/preprocessing';
import {
  dicomBytes,
  identity,
  picture,
  writeDicom,
  writeDicomdir,
  JPEG_2000,
  JPEG_BASELINE,
  SECONDARY_CAPTURE,
  type Identity,
} from '../fixtures/dicom';

const W = 64;
const H = 48;

describe('DICOM import and de-identified re-export', () => {
  let root: string;
  let folder: string;
  let workspace: Workspace;
  let app: App;
  let project: Project;
  let report: ImportReport;
  const people: Identity[] = [identity(1), identity(2), identity(3), identity(4), identity(5)];
  const source = new Map<string, Buffer[]>(); // file → frames as written (interleaved)
  const at = (name: string) => path.join(folder, name);
  const image = (address: string) => workspace.store.images.byPath(project.id, address)!;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-dicom-'));
    folder = path.join(root, 'clinic archive');
    const rgb = await picture(1, W, H, 3);
    const planarRgb = await picture(2, W, H, 3);
    const grey = await picture(3, W, H, 1);
    const frames = [await picture(4, W, H, 3), await picture(5, W, H, 3), await picture(6, W, H, 3)];
    const jpegFrame = await picture(7, W, H, 3);
    const inDicomdir = await picture(8, W, H, 3);
    source.set(at('op-rgb.dcm'), [rgb]).set(at('op-planar.dcm'), [planarRgb]).set(at('sc-grey.dcm'), [grey]).set(at('multi.dcm'), frames);
    source.set(at('jpeg.dcm'), [jpegFrame]).set(at(path.join('dicomdir', 'IMAGES', 'IM000001')), [inDicomdir]);

    await writeDicom(at('op-rgb.dcm'), { width: W, height: H, frames: [rgb], photometric: 'RGB', laterality: 'R', who: people[0]! });
    await writeDicom(at('op-planar.dcm'), {
      width: W, height: H, frames: [planarRgb], photometric: 'RGB', planar: 1, laterality: 'L', seriesLaterality: true,
      manufacturer: 'Carl Zeiss Meditec', model: 'VISUCAM 500', studyDate: '20230515', who: people[0]!,
    });
    await writeDicom(at('sc-grey.dcm'), {
      width: W, height: H, frames: [grey], photometric: 'MONOCHROME2', sopClass: SECONDARY_CAPTURE,
      manufacturer: 'Canon', model: 'CR-2 AF', studyDate: '20221130', who: people[1]!,
    });
    await writeDicom(at('multi.dcm'), { width: W, height: H, frames, photometric: 'RGB', laterality: 'R', manufacturer: 'Optos', model: 'California', who: people[2]! });
    await writeDicom(at('jpeg.dcm'), { width: W, height: H, frames: [jpegFrame], photometric: 'RGB', transferSyntax: JPEG_BASELINE, laterality: 'L', who: people[3]! });
    await writeDicom(at('j2k.dcm'), { width: W, height: H, frames: [rgb], photometric: 'RGB', transferSyntax: JPEG_2000, who: people[4]! });
    const valid = await dicomBytes({ width: W, height: H, frames: [rgb], photometric: 'RGB', who: people[4]! });
    const badPreamble = Buffer.from(valid);
    badPreamble.write('XXXX', 128, 'latin1');
    await fs.writeFile(at('bad-preamble.dcm'), badPreamble);
    await fs.writeFile(at('truncated.dcm'), valid.subarray(0, valid.length - 500));
    // A DICOMDIR folder: its files have no extension; one it lists is missing.
    await writeDicom(at(path.join('dicomdir', 'IMAGES', 'IM000001')), { width: W, height: H, frames: [inDicomdir], photometric: 'RGB', who: people[4]! });
    await writeDicomdir(at('dicomdir'), ['IMAGES/IM000001', 'IMAGES/IM000002']);
    await sharp(await picture(9, W, H, 3), { raw: { width: W, height: H, channels: 3 } }).jpeg().toFile(at('plain.jpg'));

    workspace = Workspace.open(path.join(root, 'data'));
    app = createApp(workspace);
    project = workspace.store.projects.create('Clinic', taskSpecFor('dr-grade'));
    report = await app.imports.run({ projectId: project.id, folder }).done;
  });

  afterAll(async () => {
    await workspace?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('imports every readable DICOM image, one per frame, and refuses the broken files each with its own error', () => {
    // op-rgb, op-planar, sc-grey, 3 frames, jpeg, the DICOMDIR's file, plain.jpg
    expect(report.imported).toBe(9);
    expect(Object.fromEntries(report.errors.map((e) => [path.basename(e.path), e.kind]))).toEqual({
      'j2k.dcm': 'dicom-unsupported',
      'bad-preamble.dcm': 'dicom-bad-preamble',
      'truncated.dcm': 'dicom-truncated',
    });
    const message = (name: string) => report.errors.find((e) => path.basename(e.path) === name)!.message;
    expect(message('j2k.dcm')).toContain('JPEG 2000 (transfer syntax 1.2.840.10008.1.2.4.91)');
    expect(message('bad-preamble.dcm')).toMatch(/no DICOM preamble/);
    expect(message('truncated.dcm')).toMatch(/truncated: 1 frame\(s\) of 64×48×3 need 9216 bytes, but the file holds 8716/);
    expect(report.skipped).toEqual([
      expect.objectContaining({ path: at(path.join('dicomdir', 'IMAGES', 'IM000002')), reason: 'dicomdir-missing-file' }),
    ]);
    expect(report.otherFiles).toBe(1); // the DICOMDIR itself
  });

  it('adds nothing when the folder is imported again, and decodes no unchanged DICOM file again', async () => {
    const thumbnails = ['op-rgb.dcm', 'multi.dcm#frame-1', 'multi.dcm#frame-3'].map((name) => cachedImagePath(workspace.cacheDir, 'thumbnails', image(at(name)).sha256));
    const written = async () => Promise.all(thumbnails.map(async (file) => (await fs.stat(file)).mtimeMs));
    const before = await written();
    const again = await app.imports.run({ projectId: project.id, folder }).done;
    expect(await written()).toEqual(before);
    expect(again).toMatchObject({ imported: 0, updated: 0, unchanged: 12 });
    expect(workspace.store.images.knownFiles(project.id).size).toBe(12); // 9 images (plain.jpg among them) and 3 refused files
  });

  it('files each image under its PatientID and eye, and keeps the study date, manufacturer and model', () => {
    const rgb = image(at('op-rgb.dcm'));
    expect([rgb.groupId, rgb.eye, rgb.format, rgb.width, rgb.height]).toEqual([people[0]!.patientId, 'right', 'dicom', W, H]);
    expect(rgb.dicom).toEqual({ studyDate: '2024-01-02', manufacturer: 'Topcon', model: 'TRC-NW8' });
    const planar = image(at('op-planar.dcm'));
    expect([planar.groupId, planar.eye]).toEqual([people[0]!.patientId, 'left']);
    expect(planar.dicom).toEqual({ studyDate: '2023-05-15', manufacturer: 'Carl Zeiss Meditec', model: 'VISUCAM 500' });
    expect(image(at('sc-grey.dcm')).eye).toBeNull();
    for (const n of [1, 2, 3]) {
      const frame = image(`${at('multi.dcm')}#frame-${n}`);
      expect([frame.groupId, frame.eye, frame.fileName]).toEqual([people[2]!.patientId, 'right', `multi.dcm#frame-${n}`]);
      expect(frame.duplicateOf).toBeNull();
    }
    expect(image(at('plain.jpg')).dicom).toBeNull();
    expect(app.images.get({ imageId: rgb.id }).dicom).toEqual(rgb.dicom);
    // The fellow eye of the right photograph is the same patient's left one.
    expect(app.images.get({ imageId: rgb.id }).fellowEyeId).toBe(planar.id);
  });

  it('decodes each frame to the very pixels the file holds, through the one reading entry point', async () => {
    for (const [file, frames] of source) {
      for (const [index, pixels] of frames.entries()) {
        const address = frames.length > 1 ? `${file}#frame-${index + 1}` : file;
        const read = await readImageSource(address);
        if (path.basename(file) === 'jpeg.dcm') {
          // The JPEG frame as stored, which sharp decodes; JPEG is lossy, so close to what was encoded, not equal.
          expect(Buffer.isBuffer(read)).toBe(true);
          expect(meanAbsoluteDifference(await sharp(read as Buffer).raw().toBuffer(), pixels), address).toBeLessThan(4);
        } else {
          expect(Buffer.isBuffer(read), address).toBe(false);
          const raw = read as Exclude<typeof read, Buffer>;
          expect([raw.width, raw.height, raw.channels], address).toEqual([W, H, pixels.length / (W * H)]);
          expect(raw.data.equals(pixels), address).toBe(true);
        }
      }
    }
  });

  it('shows, preprocesses and thumbnails the right frame of a multi-frame file', async () => {
    const preprocessor = preprocessorFor('dr-grade');
    const frames = source.get(at('multi.dcm'))!;
    for (const n of [1, 3]) {
      const frame = image(`${at('multi.dcm')}#frame-${n}`);
      const expected = await preprocessor.run({ data: frames[n - 1]!, width: W, height: H, channels: 3 }, 64);
      expect((await modelReadyPixels(workspace.cacheDir, preprocessor, 64, frame)).equals(expected)).toBe(true);
      const display = await sharp((await mediaFile(workspace, 'display', frame.id)).file).raw().toBuffer();
      expect(meanAbsoluteDifference(display, frames[n - 1]!)).toBeLessThan(4);
      const thumbnail = await sharp((await mediaFile(workspace, 'thumbnail', frame.id)).file).raw().toBuffer();
      expect(meanAbsoluteDifference(thumbnail, frames[n - 1]!)).toBeLessThan(6);
    }
  });

  it('filters the library by manufacturer or model and by study date', () => {
    const names = (filter: object) =>
      workspace.store.images
        .page(project.task, { projectId: project.id, filter })
        .rows.map((row) => row.fileName)
        .sort();
    expect(names({ equipment: 'zeiss' })).toEqual(['op-planar.dcm']);
    expect(names({ equipment: 'CALIFORNIA' })).toEqual(['multi.dcm#frame-1', 'multi.dcm#frame-2', 'multi.dcm#frame-3']);
    expect(names({ studyFrom: '2022-01-01', studyTo: '2023-12-31' })).toEqual(['op-planar.dcm', 'sc-grey.dcm']);
    expect(names({ studyFrom: '2024-01-02', equipment: 'topcon' })).toEqual(['IM000001', 'jpeg.dcm', 'op-rgb.dcm']);
  });

  describe('the DICOM re-export', () => {
    let out: string;
    let exported: DicomExportResult;
    let files: string[];

    beforeAll(async () => {
      out = path.join(root, 'for the study');
      exported = await app.exports.dicom({ projectId: project.id, folder: out });
      files = (await fs.readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    });

    it('writes one file per DICOM source file, the frames of a multi-frame file together', () => {
      expect(exported).toMatchObject({ files: 6, images: 8, skipped: [] });
      expect(files).toHaveLength(6);
    });

    it('leaves no identifier of the source files in the bytes or names of the export', async () => {
      const secrets = people.flatMap((who) => [
        who.patientId, who.patientName, who.patientName.split('^')[0]!, who.birthDate, who.accessionNumber, who.institution, who.physician,
        who.studyUid, who.seriesUid, who.instanceUid, `${who.studyUid}.9`,
      ]);
      // Sanity: the source files do hold them, so the scan can find them.
      const sourceBytes = (await fs.readFile(at('op-rgb.dcm'))).toString('latin1');
      for (const secret of [people[0]!.patientId, people[0]!.patientName, people[0]!.instanceUid]) expect(sourceBytes).toContain(secret);
      for (const file of files) {
        const bytes = (await fs.readFile(file)).toString('latin1');
        for (const secret of secrets) {
          expect(bytes.includes(secret), `${secret} in ${file}`).toBe(false);
          expect(path.relative(out, file).includes(secret), `${secret} in the name ${file}`).toBe(false);
        }
        expect(bytes).not.toContain('20240102');
      }
    });

    it('replaces the patient id by the keyed pseudonym, marks the identity removed and keeps the pixels', async () => {
      const pseudonym = patientPseudonym(workspace.dataDir, people[2]!.patientId);
      expect(pseudonym).toMatch(/^P-[0-9a-f]{12}$/);
      const [multi] = files.filter((file) => path.basename(path.dirname(file)) === pseudonym);
      const dataset = readBack(await fs.readFile(multi!));
      expect(dataset).toMatchObject({ PatientID: pseudonym, PatientIdentityRemoved: 'YES', NumberOfFrames: 3, Manufacturer: 'Optos', ImageLaterality: 'R' });
      expect(String(dataset.DeidentificationMethod)).toMatch(/Basic Application Level Confidentiality Profile/);
      expect(dataset.StudyInstanceUID).toMatch(/^2\.25\.\d+$/);
      expect(Buffer.from((dataset.PixelData as ArrayBuffer[])[0]!).equals(Buffer.concat(source.get(at('multi.dcm'))!))).toBe(true);
      // The two images of patient 1 share their pseudonym and their (replaced) study UID.
      const first = files.filter((file) => path.basename(path.dirname(file)) === patientPseudonym(workspace.dataDir, people[0]!.patientId));
      expect(first).toHaveLength(2);
      const studies = await Promise.all(first.map(async (file) => readBack(await fs.readFile(file)).StudyInstanceUID));
      expect(studies[0]).toBe(studies[1]);
    });

    it('replaces UIDs the same way in every export, and the CLI writes the same files', async () => {
      const again = path.join(root, 'from the command line');
      let stdout = '';
      const code = await runCli(['--data', workspace.dataDir, 'export', 'dicom', '--project', 'Clinic', '--out', again, '--json'], {
        stdout: (text) => void (stdout += text),
        stderr: () => undefined,
        interactive: false,
      });
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ files: 6, images: 8 });
      const names = (await fs.readdir(again, { recursive: true })).sort();
      expect(names).toEqual((await fs.readdir(out, { recursive: true })).sort());
      for (const file of files) expect((await fs.readFile(path.join(again, path.relative(out, file)))).equals(await fs.readFile(file))).toBe(true);
    });
  });
});

function meanAbsoluteDifference(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function readBack(bytes: Buffer): Record<string, unknown> {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  return DicomMetaDictionary.naturalizeDataset(DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer).dict);
}
