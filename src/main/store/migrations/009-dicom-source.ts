import type { Migration } from './types';

/**
 * What a DICOM file says of where its image came from, kept on the image row so that the library
 * filters on it without a join. NULL for images from other formats (their `format` is not 'dicom').
 */
export const dicomSource: Migration = {
  version: 9,
  name: 'the study date, manufacturer and model of images imported from DICOM',
  sql: `
    ALTER TABLE images ADD COLUMN study_date TEXT;           -- YYYY-MM-DD
    ALTER TABLE images ADD COLUMN manufacturer TEXT;
    ALTER TABLE images ADD COLUMN manufacturer_model TEXT;
  `,
};
