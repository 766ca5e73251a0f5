import { describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, formatsFor, withExtension } from '../../src/renderer/src/lib/exports/export-formats';

describe('the Export dialog\'s formats', () => {
  it('offers Kaggle submissions for DR grading only, and the labels first to every task', () => {
    expect(formatsFor('dr-grade').map((format) => format.id)).toEqual(EXPORT_FORMATS.map((format) => format.id));
    for (const task of ['multiclass', 'multilabel'] as const) {
      const ids = formatsFor(task).map((format) => format.id);
      expect(ids[0]).toBe('labels');
      expect(ids).not.toContain('submission-aptos');
      expect(ids).toEqual(expect.arrayContaining(['labels-history', 'labels-per-grader', 'predictions', 'coco']));
    }
  });

  it('swaps a known extension for the chosen format\'s and leaves any other path alone', () => {
    const coco = EXPORT_FORMATS.find((format) => format.id === 'coco')!;
    const labels = EXPORT_FORMATS.find((format) => format.id === 'labels')!;
    expect(withExtension('/x/clinic.csv', coco)).toBe('/x/clinic.json');
    expect(withExtension('/x/clinic.JSON', labels)).toBe('/x/clinic.csv');
    expect(withExtension('/x/clinic', labels)).toBe('/x/clinic');
    expect(withExtension('', coco)).toBe('');
  });

  it('offers de-identification where the format honours it, and says what the others hold', () => {
    const choice = EXPORT_FORMATS.filter((format) => format.deidentification.choice).map((format) => format.id);
    expect(choice).toEqual(['labels', 'labels-history', 'labels-per-grader', 'predictions', 'submission-aptos', 'submission-eyepacs', 'coco', 'report']);
    for (const format of EXPORT_FORMATS) {
      if (!format.deidentification.choice) expect(format.deidentification.holds.length).toBeGreaterThan(20);
    }
  });

  it('drops a known extension for an export written into a folder', () => {
    const dicom = EXPORT_FORMATS.find((format) => format.id === 'dicom')!;
    const bundle = EXPORT_FORMATS.find((format) => format.id === 'model-bundle')!;
    expect(withExtension('/x/clinic.csv', dicom)).toBe('/x/clinic');
    expect(withExtension('/x/clinic.html', bundle)).toBe('/x/clinic.gdmodel');
    expect(withExtension('/x/clinic', bundle)).toBe('/x/clinic');
  });
});
