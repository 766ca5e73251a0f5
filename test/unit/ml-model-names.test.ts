import { describe, expect, it } from 'vitest';
import { defaultModelName } from '../../src/main/ml/training/training-snapshot';

describe('default model names', () => {
  it('number models past every one the project has, in words a reader can say', () => {
    expect(defaultModelName([], { inputSize: 224, strategy: 'head' })).toBe('Model 1 (224 px)');
    expect(defaultModelName(['Model 1 (224 px)', 'Model 4 (128 px)'], { inputSize: 384, strategy: 'fine-tune' })).toBe('Model 5 (384 px, fine-tuned)');
    expect(defaultModelName(['ordinal on mobilenet-v2-nsfwjs @224', 'My ensemble'], { inputSize: 224, strategy: 'head' })).toBe('Model 3 (224 px)');
  });
});
