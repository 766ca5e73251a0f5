import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAM10000_CLASSES, HPA_LABELS, taskSpecFor } from '../../src/shared/domain';
import { imageKeyOf, parseLabelFile, readLabelFile } from '../../src/main/ingest/label-files';

const drGrade = taskSpecFor('dr-grade');
const ham = taskSpecFor('multiclass', HAM10000_CLASSES);
const hpa = taskSpecFor('multilabel', HPA_LABELS);

describe('APTOS', () => {
  it('parses id_code,diagnosis rows', () => {
    const parsed = parseLabelFile('id_code,diagnosis\n000c1434d8d7,2\n001639a390f0,4\n0024cdab0c1e,1\n', drGrade);
    expect(parsed).toEqual({
      format: 'aptos',
      rows: [
        { line: 2, imageKey: '000c1434d8d7', value: 2 },
        { line: 3, imageKey: '001639a390f0', value: 4 },
        { line: 4, imageKey: '0024cdab0c1e', value: 1 },
      ],
      problems: [],
    });
  });

  it('handles a BOM, CRLF line ends, quoted fields, whitespace and trailing blank lines', () => {
    const text = '\uFEFF"ID_Code" , Diagnosis\r\n "000c1434d8d7" ,"2"\r\n001639a390f0,  0 \r\n\r\n\r\n';
    const parsed = parseLabelFile(text, drGrade);
    expect(parsed.format).toBe('aptos');
    expect(parsed.rows).toEqual([
      { line: 2, imageKey: '000c1434d8d7', value: 2 },
      { line: 3, imageKey: '001639a390f0', value: 0 },
    ]);
    expect(parsed.problems).toEqual([]);
  });

  it('accepts 2.0 but reports non-integer, out-of-range and non-numeric grades with their lines', () => {
    const text = ['id_code,diagnosis', 'a,2.0', 'b,2.5', 'c,5', 'd,-1', 'e,abc', 'f,4'].join('\n');
    const parsed = parseLabelFile(text, drGrade);
    expect(parsed.rows).toEqual([
      { line: 2, imageKey: 'a', value: 2 },
      { line: 7, imageKey: 'f', value: 4 },
    ]);
    expect(parsed.problems.map(({ line, kind }) => ({ line, kind }))).toEqual([
      { line: 3, kind: 'out-of-range-grade' },
      { line: 4, kind: 'out-of-range-grade' },
      { line: 5, kind: 'out-of-range-grade' },
      { line: 6, kind: 'malformed-row' },
    ]);
    expect(parsed.problems[1]?.message).toBe('Line 4, image "c": grade "5" is not a whole grade from 0 to 4.');
    expect(parsed.problems[3]?.message).toBe('Line 6, image "e": grade "abc" is not a number.');
  });

  it('accepts grade names in a dr-grade project', () => {
    const parsed = parseLabelFile('id_code,diagnosis\na,moderate npdr\nb,Proliferative DR\n', drGrade);
    expect(parsed.rows.map(row => row.value)).toEqual([2, 4]);
  });
});

describe('EyePACS', () => {
  it('parses image,level rows without deriving eye groups', () => {
    const text = 'image,level\n10_left,0\n10_right,0\n15_left,1\n15_right,2\n16_left,4\n';
    const parsed = parseLabelFile(text, drGrade);
    expect(parsed.format).toBe('eyepacs');
    expect(parsed.rows).toEqual([
      { line: 2, imageKey: '10_left', value: 0 },
      { line: 3, imageKey: '10_right', value: 0 },
      { line: 4, imageKey: '15_left', value: 1 },
      { line: 5, imageKey: '15_right', value: 2 },
      { line: 6, imageKey: '16_left', value: 4 },
    ]);
  });

  it('strips directories and image extensions from image names', () => {
    const text = 'image,level\ntrain/10_left.jpeg,0\nC:\\eyepacs\\10_right.JPG,1\n15_left.tiff,2\n15_right.v2,3\n';
    expect(parseLabelFile(text, drGrade).rows.map(row => row.imageKey)).toEqual(['10_left', '10_right', '15_left', '15_right.v2']);
  });
});

describe('HAM10000', () => {
  const header = 'lesion_id,image_id,dx,dx_type,age,sex,localization';

  it('parses the metadata file with lesion groups and the other columns as metadata', () => {
    const text = [
      header,
      'HAM_0000118,ISIC_0027419,bkl,histo,80.0,male,scalp',
      'HAM_0000118,ISIC_0025030,bkl,histo,80.0,male,scalp',
      'HAM_0001466,ISIC_0031633,mel,histo,75.0,male,ear',
      'HAM_0002761,ISIC_0029176,NV,follow_up,,female,back',
    ].join('\n');
    const parsed = parseLabelFile(text, ham);
    expect(parsed.format).toBe('ham10000');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows).toEqual([
      {
        line: 2, imageKey: 'ISIC_0027419', value: 2, groupId: 'HAM_0000118',
        meta: { dx_type: 'histo', age: '80.0', sex: 'male', localization: 'scalp' },
      },
      {
        line: 3, imageKey: 'ISIC_0025030', value: 2, groupId: 'HAM_0000118',
        meta: { dx_type: 'histo', age: '80.0', sex: 'male', localization: 'scalp' },
      },
      {
        line: 4, imageKey: 'ISIC_0031633', value: 4, groupId: 'HAM_0001466',
        meta: { dx_type: 'histo', age: '75.0', sex: 'male', localization: 'ear' },
      },
      {
        line: 5, imageKey: 'ISIC_0029176', value: 5, groupId: 'HAM_0002761',
        meta: { dx_type: 'follow_up', sex: 'female', localization: 'back' },
      },
    ]);
  });

  it('finds the columns by name in any order', () => {
    const parsed = parseLabelFile('DX,Image_ID,Lesion_ID\nvasc,ISIC_0024370,HAM_0005614\n', ham);
    expect(parsed.rows).toEqual([{ line: 2, imageKey: 'ISIC_0024370', value: 6, groupId: 'HAM_0005614' }]);
  });

  it('reports an unknown diagnosis', () => {
    const parsed = parseLabelFile(`${header}\nHAM_0000001,ISIC_0000001,scc,histo,70.0,male,face\n`, ham);
    expect(parsed.rows).toEqual([]);
    expect(parsed.problems).toEqual([
      {
        line: 2,
        kind: 'unknown-class',
        message: 'Line 2, image "ISIC_0000001": class "scc" is not one of akiec, bcc, bkl, df, mel, nv, vasc (or an index 0 to 6).',
      },
    ]);
  });

  it('reports a row with missing fields', () => {
    const parsed = parseLabelFile(`${header}\nHAM_0000118,ISIC_0027419,bkl\nHAM_0001466,ISIC_0031633,mel,histo,75.0,male,ear\n`, ham);
    expect(parsed.rows.map(row => row.imageKey)).toEqual(['ISIC_0031633']);
    expect(parsed.problems).toEqual([
      {
        line: 2,
        kind: 'malformed-row',
        message: 'Line 2 ("HAM_0000118,ISIC_0027419,bkl") has 3 fields where the header has 7.',
      },
    ]);
  });
});

describe('HPA', () => {
  it('parses space-separated label numbers into sorted distinct indices', () => {
    const text = [
      'Id,Target',
      '00070df0-bbc3-11e8-b2bc-ac1f6b6435d0,16 0',
      '000a6c98-bb9b-11e8-b2b9-ac1f6b6435d0,7 1 2 0',
      '000a9596-bbc4-11e8-b2bc-ac1f6b6435d0,5',
      '001838f8-bbca-11e8-b2bc-ac1f6b6435d0,18 18 27',
    ].join('\n');
    const parsed = parseLabelFile(text, hpa);
    expect(parsed.format).toBe('hpa');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows).toEqual([
      { line: 2, imageKey: '00070df0-bbc3-11e8-b2bc-ac1f6b6435d0', value: [0, 16] },
      { line: 3, imageKey: '000a6c98-bb9b-11e8-b2b9-ac1f6b6435d0', value: [0, 1, 2, 7] },
      { line: 4, imageKey: '000a9596-bbc4-11e8-b2bc-ac1f6b6435d0', value: [5] },
      { line: 5, imageKey: '001838f8-bbca-11e8-b2bc-ac1f6b6435d0', value: [18, 27] },
    ]);
  });

  it('reports a label number beyond 27', () => {
    const parsed = parseLabelFile('Id,Target\nabc,16 28\ndef,3\n', hpa);
    expect(parsed.rows).toEqual([{ line: 3, imageKey: 'def', value: [3] }]);
    expect(parsed.problems).toEqual([
      {
        line: 2,
        kind: 'unknown-class',
        message: 'Line 2, image "abc": label "28" is neither a label name of this project nor an index 0 to 27.',
      },
    ]);
  });

  it('reports a row without a label', () => {
    const parsed = parseLabelFile('Id,Target\nabc,\n', hpa);
    expect(parsed.problems).toEqual([{ line: 2, kind: 'malformed-row', message: 'Line 2 has no label for image "abc".' }]);
  });
});

describe('generic', () => {
  it('parses file,label with optional group and note columns', () => {
    const text = 'File,Label,Group,Note\nimages/p1_a.png,3,patient-1,"laser scars, check"\np1_b.png,Severe NPDR,patient-1,\np2.png,0,,\n';
    const parsed = parseLabelFile(text, drGrade);
    expect(parsed.format).toBe('generic');
    expect(parsed.rows).toEqual([
      { line: 2, imageKey: 'p1_a', value: 3, groupId: 'patient-1', meta: { note: 'laser scars, check' } },
      { line: 3, imageKey: 'p1_b', value: 3, groupId: 'patient-1' },
      { line: 4, imageKey: 'p2', value: 0 },
    ]);
  });

  it('takes class names case-insensitively or class indices in a multiclass project', () => {
    const parsed = parseLabelFile('file,label\na.jpg,MEL\nb.jpg,0\nc.jpg,7\nd.jpg,melanoma\n', ham);
    expect(parsed.rows).toEqual([
      { line: 2, imageKey: 'a', value: 4 },
      { line: 3, imageKey: 'b', value: 0 },
    ]);
    expect(parsed.problems.map(({ line, kind }) => ({ line, kind }))).toEqual([
      { line: 4, kind: 'unknown-class' },
      { line: 5, kind: 'unknown-class' },
    ]);
  });

  it('takes ;- or space-separated label names and indices in a multilabel project', () => {
    const text = [
      'file,label',
      'a.png,Nucleoplasm;Cytosol',
      'b.png,cytosol ; nuclear membrane; 0',
      'c.png,Nuclear membrane',
      'd.png,25 0 25',
      'e.png,Nucleoplasm;Golgi body',
      'f.png,;',
    ].join('\n');
    const parsed = parseLabelFile(text, hpa);
    expect(parsed.rows).toEqual([
      { line: 2, imageKey: 'a', value: [0, 25] },
      { line: 3, imageKey: 'b', value: [0, 1, 25] },
      { line: 4, imageKey: 'c', value: [1] },
      { line: 5, imageKey: 'd', value: [0, 25] },
    ]);
    expect(parsed.problems.map(({ line, kind }) => ({ line, kind }))).toEqual([
      { line: 6, kind: 'unknown-class' },
      { line: 7, kind: 'malformed-row' },
    ]);
    expect(parsed.problems[0]?.message).toContain('"Golgi body"');
  });

  it('reports rows with an empty image name', () => {
    const parsed = parseLabelFile('file,label\n,2\ntrain/.png,1\nok.png,1\n', drGrade);
    expect(parsed.rows).toEqual([{ line: 4, imageKey: 'ok', value: 1 }]);
    expect(parsed.problems).toEqual([
      { line: 2, kind: 'malformed-row', message: 'Line 2 has no image name (",2").' },
      { line: 3, kind: 'malformed-row', message: 'Line 3 has no image name ("train/.png,1").' },
    ]);
  });

  it('numbers lines from where a row starts when a quoted note spans lines', () => {
    const text = 'file,label,note\r\na.png,1,"first line\r\nsecond line"\r\nb.png,2,\r\n';
    const parsed = parseLabelFile(text, drGrade);
    expect(parsed.rows).toEqual([
      { line: 2, imageKey: 'a', value: 1, meta: { note: 'first line\nsecond line' } },
      { line: 4, imageKey: 'b', value: 2 },
    ]);
  });

  it('skips lines that hold only separators or whitespace', () => {
    const parsed = parseLabelFile('file,label\na.png,1\n , \n   \nb.png,2\n', drGrade);
    expect(parsed.rows).toEqual([
      { line: 2, imageKey: 'a', value: 1 },
      { line: 5, imageKey: 'b', value: 2 },
    ]);
    expect(parsed.problems).toEqual([]);
  });
});

describe('duplicate rows', () => {
  it('keeps one row silently when an image repeats with the same value', () => {
    const parsed = parseLabelFile('image,level\n10_left,2\n10_left.jpeg,2.0\n', drGrade);
    expect(parsed.rows).toEqual([{ line: 2, imageKey: '10_left', value: 2 }]);
    expect(parsed.problems).toEqual([]);
  });

  it('keeps the last row and reports it when an image repeats with a different value', () => {
    const parsed = parseLabelFile('image,level\n10_left,2\n10_right,0\n10_left,3\n', drGrade);
    expect(parsed.rows).toEqual([
      { line: 3, imageKey: '10_right', value: 0 },
      { line: 4, imageKey: '10_left', value: 3 },
    ]);
    expect(parsed.problems).toEqual([
      {
        line: 4,
        kind: 'duplicate-row',
        message: 'Line 4 labels image "10_left" as 3 but line 2 labelled it 2; the later label is kept.',
      },
    ]);
  });

  it('compares multilabel values after sorting', () => {
    const parsed = parseLabelFile('Id,Target\nabc,16 0\nabc,0 16\nabc,0\n', hpa);
    expect(parsed.rows).toEqual([{ line: 4, imageKey: 'abc', value: [0] }]);
    expect(parsed.problems.map(({ line, kind }) => ({ line, kind }))).toEqual([{ line: 4, kind: 'duplicate-row' }]);
  });

  it('does not let an invalid repeat replace a valid row', () => {
    const parsed = parseLabelFile('image,level\n10_left,2\n10_left,7\n', drGrade);
    expect(parsed.rows).toEqual([{ line: 2, imageKey: '10_left', value: 2 }]);
    expect(parsed.problems.map(({ line, kind }) => ({ line, kind }))).toEqual([{ line: 3, kind: 'out-of-range-grade' }]);
  });
});

describe('files that cannot be read', () => {
  it('rejects an unrecognised header, naming the accepted headers but not quoting the line (it may be any file)', () => {
    expect(() => parseLabelFile('foo,bar\n1,2\n', drGrade)).toThrow(
      'The first line of the label file is not a header Gradedesk recognises. Expected one of: id_code,diagnosis (APTOS); ' +
        'image,level (EyePACS); image_id,dx[,lesion_id] (HAM10000); Id,Target (HPA); file,label[,group][,note] (generic).',
    );
  });

  it('rejects a header that has only one of a format\'s columns, naming the known columns it has', () => {
    expect(() => parseLabelFile('image,diagnosis\n10_left,2\n', drGrade)).toThrow(
      'Of the column names Gradedesk knows, it has only "diagnosis" and "image", not a format\'s image and label columns together.',
    );
  });

  it('rejects an empty file', () => {
    expect(() => parseLabelFile('', drGrade)).toThrow('The label file is empty.');
    expect(() => parseLabelFile('\uFEFF\r\n\n  \n', drGrade)).toThrow('The label file is empty.');
  });

  it('rejects a file with only a header', () => {
    expect(() => parseLabelFile('id_code,diagnosis\r\n', drGrade)).toThrow(
      'The label file has a header (APTOS) but no label rows.',
    );
  });

  it('rejects a file that is not valid CSV', () => {
    expect(() => parseLabelFile('image,level\n"10_left,2\n', drGrade)).toThrow(/^The label file is not valid CSV: .*line 2/);
  });

  it('rejects formats that do not fit the project task', () => {
    expect(() => parseLabelFile('Id,Target\nabc,16 0\n', drGrade)).toThrow(
      'This HPA label file holds several protein-location labels per image, which do not fit a dr-grade project ' +
        '(HPA files go into a multilabel project).',
    );
    expect(() => parseLabelFile('image,level\n10_left,2\n', hpa)).toThrow(
      'This EyePACS label file holds diabetic-retinopathy grades, which do not fit a multilabel project',
    );
    expect(() => parseLabelFile('id_code,diagnosis\na,2\n', ham)).toThrow('fit a multiclass project');
    expect(() => parseLabelFile('lesion_id,image_id,dx\nHAM_1,ISIC_1,mel\n', drGrade)).toThrow('This HAM10000 label file');
  });

  it('checks the task before complaining about missing rows', () => {
    expect(() => parseLabelFile('Id,Target\n', drGrade)).toThrow('This HPA label file');
  });
});

describe('imageKeyOf', () => {
  it('strips directories and known image extensions only', () => {
    expect(imageKeyOf('train/abc.png')).toBe('abc');
    expect(imageKeyOf('a\\b\\ISIC_0027419.JPG')).toBe('ISIC_0027419');
    expect(imageKeyOf('scan.webp')).toBe('scan');
    expect(imageKeyOf('scan.dcm')).toBe('scan.dcm');
    expect(imageKeyOf('10017_left')).toBe('10017_left');
  });
});

describe('readLabelFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gradedesk-labels-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and parses a label file from disk', async () => {
    const path = join(dir, 'trainLabels.csv');
    await writeFile(path, '\uFEFFimage,level\r\n10_left,0\r\n10_right,1\r\n');
    await expect(readLabelFile(path, drGrade)).resolves.toEqual({
      format: 'eyepacs',
      rows: [
        { line: 2, imageKey: '10_left', value: 0 },
        { line: 3, imageKey: '10_right', value: 1 },
      ],
      problems: [],
    });
  });

  it('names the file in errors', async () => {
    const path = join(dir, 'empty.csv');
    await writeFile(path, '');
    await expect(readLabelFile(path, drGrade)).rejects.toThrow(`${path}: The label file is empty.`);
  });
});
