import { describe, expect, it } from 'vitest';
import { fineTuneFoldRows, fineTuneVerdict } from '../../src/renderer/src/lib/train/fine-tune-folds';

const outcomes = [
  { fold: 2, warmHeadMetric: 0.38, fineTunedMetric: null, keptWarmHead: true },
  { fold: 1, warmHeadMetric: 0.4123, fineTunedMetric: 0.4361, keptWarmHead: false },
  { fold: 3, warmHeadMetric: 0.301, fineTunedMetric: 0.29, keptWarmHead: true },
];

describe('fine-tuning against its warm head, per fold', () => {
  it('lists each fold in order with both validation figures and what it kept; a diverged network says so', () => {
    expect(fineTuneFoldRows(outcomes)).toEqual([
      { fold: 1, warmHead: '0.412', fineTuned: '0.436', kept: 'fine-tuned' },
      { fold: 2, warmHead: '0.380', fineTuned: 'diverged', kept: 'warm head' },
      { fold: 3, warmHead: '0.301', fineTuned: '0.290', kept: 'warm head' },
    ]);
  });

  it('says in how many folds fine-tuning paid off, naming the metric', () => {
    expect(fineTuneVerdict(outcomes, 'dr-grade')).toBe(
      "Fine-tuning did at least as well as its warm head (the head alone on the pretrained features) in 1 of 3 folds, on each fold's validation quadratic weighted kappa; the others keep their warm head on the pretrained features.",
    );
    expect(fineTuneVerdict(outcomes.slice(1, 2), 'multiclass')).toBe(
      "Fine-tuning did at least as well as its warm head (the head alone on the pretrained features) in 1 of 1 fold, on each fold's validation balanced accuracy.",
    );
    expect(fineTuneVerdict([outcomes[0]!], 'dr-grade')).toMatch(/in 0 of 1 fold,.*; every fold keeps its warm head/);
  });
});
