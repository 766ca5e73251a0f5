import type { Migration } from './types';

/** A model's referral threshold on P(referable), chosen on its ROC curve in Evaluate; NULL means 0.5. */
export const referralThreshold: Migration = {
  version: 6,
  name: 'Referral threshold per model',
  sql: `
    ALTER TABLE models ADD COLUMN referral_threshold REAL CHECK (referral_threshold IS NULL OR (referral_threshold >= 0 AND referral_threshold <= 1));
  `,
};
