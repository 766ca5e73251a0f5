/** Kaggle's diabetic retinopathy submission formats: APTOS 2019 (`id_code,diagnosis`) and EyePACS 2015 (`image,level`). */
export const SUBMISSION_FORMATS = ['aptos', 'eyepacs'] as const;
export type SubmissionFormat = (typeof SUBMISSION_FORMATS)[number];

/** Where a submission's grades come from: the current labels, or a model's predicted grades. */
export const SUBMISSION_SOURCES = ['labels', 'predictions'] as const;
export type SubmissionSource = (typeof SUBMISSION_SOURCES)[number];
