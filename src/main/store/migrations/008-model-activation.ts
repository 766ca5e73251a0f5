import type { Migration } from './types';

/**
 * A finished run no longer makes its model active by itself: it does so only when there is no active
 * model or the new one is better on the same images. The decision, with the figures it was made on, is
 * kept on the model so that the Train view can say which model is better and offer to switch.
 */
export const modelActivation: Migration = {
  version: 8,
  name: 'the activation decision of each finished training run',
  sql: `
    ALTER TABLE models ADD COLUMN activation TEXT;   -- JSON ActivationDecision; NULL before the run finished
  `,
};
