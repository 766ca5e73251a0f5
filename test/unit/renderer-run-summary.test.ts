import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../src/shared/api';
import type { ModelSummary } from '../../src/shared/ml';
import { runSummary } from '../../src/renderer/src/lib/train/run-summary';

const job = (overrides: Partial<JobSnapshot> = {}): JobSnapshot => ({
  id: 'j',
  kind: 'training',
  title: 'Training',
  projectId: 1,
  details: { modelId: '3' },
  state: 'done',
  progress: null,
  error: null,
  startedAt: '2026-12-04T10:00:00.000Z',
  finishedAt: '2026-12-04T10:04:12.000Z',
  report: null,
  ...overrides,
});

const model = (metrics: ModelSummary['metrics']): ModelSummary => ({
  id: 3,
  projectId: 1,
  name: 'Model 3 (224 px)',
  status: 'ready',
  active: true,
  createdAt: '2026-12-04T10:00:00.000Z',
  finishedAt: '2026-12-04T10:04:12.000Z',
  backboneId: 'mobilenet-v2-nsfwjs',
  inputSize: 224,
  head: 'ordinal',
  strategy: 'head',
  members: null,
  trainingImages: 312,
  metrics,
  referralThreshold: null,
  error: null,
  activation: null,
} as ModelSummary);

describe('the summary a finished run ends with', () => {
  it('names the model, how long it took, and its held-out figures in words with the term beside', () => {
    const text = runSummary(job(), model({ samples: 312, qwk: 0.8123, accuracy: 0.7, balancedAccuracy: 0.6, referableAuc: 0.9314, macroF1: 0.5, ece: 0.04 }));
    expect(text).toBe(
      '“Model 3 (224 px)” finished in 4m 12s. On 312 images it did not train on: agreement with the readers’ grades 0.812 (QWK), telling referable DR from the rest 0.931 (AUC). Evaluate has the intervals and the full picture.',
    );
  });

  it('says nothing for a run that failed, was cancelled, or is not a training run', () => {
    const m = model(null);
    expect(runSummary(job({ state: 'failed' }), m)).toBeNull();
    expect(runSummary(job({ state: 'cancelled' }), m)).toBeNull();
    expect(runSummary(job({ kind: 'prediction' }), m)).toBeNull();
    expect(runSummary(job(), m)).toBe('“Model 3 (224 px)” finished in 4m 12s; it has no evaluation.');
  });
});
