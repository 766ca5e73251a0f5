import { describe, expect, it } from 'vitest';
import { DR_GRADE_NAMES, HAM10000_CLASSES, HPA_LABELS, taskSpecFor } from '../../src/shared/domain';
import {
  choiceValue,
  classOptions,
  DEFAULT_OPACITY,
  gradCamCaption,
  layerOpacity,
  parseChoice,
  predictedOptionLabel,
} from '../../src/renderer/src/lib/review/gradcam-text';
import { SHORTCUTS } from '../../src/renderer/src/lib/shortcuts';

const drGrade = taskSpecFor('dr-grade');
const dermoscopy = taskSpecFor('multiclass', HAM10000_CLASSES);
const microscopy = taskSpecFor('multilabel', HPA_LABELS);

// G itself is pressed in test/e2e/gradcam.spec.ts: review-keys.ts needs the DOM's types.

describe('Review’s Grad-CAM key', () => {
  it('is listed among the Review shortcuts', () => {
    expect(SHORTCUTS.find((shortcut) => shortcut.keys === 'G')).toMatchObject({ scope: 'Review', action: expect.stringMatching(/Grad-CAM/) });
  });
});

describe('the Grad-CAM panel’s words', () => {
  it('lists every class of the project in its own words', () => {
    expect(classOptions(drGrade).map((option) => option.label)).toEqual(DR_GRADE_NAMES.map((name, k) => `grade ${k} (${name})`));
    expect(classOptions(dermoscopy).map((option) => option.value)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(classOptions(dermoscopy)[4]!.label).toBe('mel');
  });

  it('says which class "the model predicts" stands for once the answer came', () => {
    expect(predictedOptionLabel(drGrade, null)).toBe('The severest grade with a real chance');
    expect(predictedOptionLabel(drGrade, { targetClass: 3, classFrom: 'severest' })).toBe(`The severest grade with a real chance: grade 3 (${DR_GRADE_NAMES[3]})`);
    expect(predictedOptionLabel(drGrade, { targetClass: 3, classFrom: 'prediction' })).toBe(`The model predicts grade 3 (${DR_GRADE_NAMES[3]})`);
    expect(predictedOptionLabel(drGrade, { targetClass: 0, classFrom: 'default' })).toBe('Not predicted yet: grade 0 (No DR)');
    expect(predictedOptionLabel(dermoscopy, { targetClass: 2, classFrom: 'request' })).toBe('The class the model predicts');
  });

  it('turns the picker’s value into a choice and back, refusing classes the project lacks', () => {
    expect(parseChoice('predicted', drGrade)).toBe('predicted');
    expect(parseChoice('4', drGrade)).toBe(4);
    expect(parseChoice('5', drGrade)).toBe('predicted');
    expect(parseChoice('-1', drGrade)).toBe('predicted');
    expect(choiceValue(parseChoice('2', drGrade))).toBe('2');
    expect(choiceValue('predicted')).toBe('predicted');
  });

  it('captions the overlay: the model’s input as prepared for the task, the colours, and what it does not say', () => {
    const fundus = gradCamCaption(drGrade, 3);
    expect(fundus.input).toMatch(/model’s input.*cropped.*Ben Graham normalised/);
    expect(fundus.colours).toBe(`Warmer = regions that raised the score for grade 3 (${DR_GRADE_NAMES[3]}).`);
    expect(fundus.caveat).toBe('Grad-CAM shows where the model looked, not that a lesion is there.');
    expect(gradCamCaption(dermoscopy, 4).input).toMatch(/Shades of Grey/);
    expect(gradCamCaption(dermoscopy, 4).colours).toMatch(/score for mel\.$/);
    expect(gradCamCaption(microscopy, 0).input).toMatch(/contrast-stretched/);
  });

  it('maps the opacity slider onto the layer’s CSS opacity, 60 % by default', () => {
    expect(DEFAULT_OPACITY).toBe(60);
    expect(layerOpacity(DEFAULT_OPACITY)).toBe('0.6');
    expect(layerOpacity(0)).toBe('0');
    expect(layerOpacity(100)).toBe('1');
    expect(layerOpacity(140)).toBe('1');
    expect(layerOpacity(-5)).toBe('0');
  });
});
