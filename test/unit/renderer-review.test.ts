import { describe, expect, it } from 'vitest';
import { HAM10000_CLASSES, HPA_LABELS, taskSpecFor } from '../../src/shared/domain';
import { carries, KEYED_CLASSES, labelForDigit, toggled } from '../../src/renderer/src/lib/review/label-keys';
import { UndoGuard } from '../../src/renderer/src/lib/review/undo-guard';
import {
  FIT,
  fitScale,
  KEY_ZOOM_STEP,
  layerTransform,
  panBy,
  zoomAt,
  zoomPercent,
  type Size,
  type ViewState,
} from '../../src/renderer/src/lib/review/view-transform';

const drGrade = taskSpecFor('dr-grade');
const dermoscopy = taskSpecFor('multiclass', HAM10000_CLASSES);
const microscopy = taskSpecFor('multilabel', HPA_LABELS);

describe('digit keys in Review', () => {
  it('reaches the first ten classes with a key', () => {
    expect(KEYED_CLASSES).toBe(10);
  });

  it('gives a DR grade 0–4 whatever the current grade', () => {
    for (const digit of [0, 1, 2, 3, 4]) expect(labelForDigit(drGrade, digit, null)).toEqual({ value: digit });
    expect(labelForDigit(drGrade, 1, 3)).toEqual({ value: 1 });
  });

  it('explains that there is no DR grade 5–9', () => {
    expect(labelForDigit(drGrade, 5, null)).toEqual({ problem: 'Grades go from 0 to 4; there is no grade 5.' });
    expect(labelForDigit(drGrade, 9, 2)).toEqual({ problem: 'Grades go from 0 to 4; there is no grade 9.' });
  });

  it('gives a multiclass project the class with that index', () => {
    expect(labelForDigit(dermoscopy, 0, null)).toEqual({ value: 0 });
    expect(labelForDigit(dermoscopy, 6, 2)).toEqual({ value: 6 });
    const twelve = taskSpecFor('multiclass', Array.from({ length: 12 }, (_, i) => `class ${i}`));
    expect(labelForDigit(twelve, 9, null)).toEqual({ value: 9 });
  });

  it('explains that a multiclass project has no class past its last', () => {
    expect(labelForDigit(dermoscopy, 7, null)).toEqual({ problem: 'This project has no class 7 (7 in all, numbered from 0).' });
  });

  it('toggles one label of a multilabel set, keeping the others, sorted', () => {
    expect(labelForDigit(microscopy, 3, null)).toEqual({ value: [3] });
    expect(labelForDigit(microscopy, 1, [0, 2])).toEqual({ value: [0, 1, 2] });
    expect(labelForDigit(microscopy, 2, [0, 2])).toEqual({ value: [0] });
    expect(labelForDigit(microscopy, 0, [0])).toEqual({ value: [] });
    expect(labelForDigit(microscopy, 9, [25])).toEqual({ value: [9, 25] });
  });

  it('explains that a small multilabel project has no label past its last', () => {
    const three = taskSpecFor('multilabel', ['mitosis', 'apoptosis', 'artefact']);
    expect(labelForDigit(three, 3, [0])).toEqual({ problem: 'This project has no label 3 (3 in all, numbered from 0).' });
  });

  it('toggles into a sorted, distinct set and treats a single number as no set', () => {
    expect(toggled([5, 1], 3)).toEqual([1, 3, 5]);
    expect(toggled([1, 3, 5], 3)).toEqual([1, 5]);
    expect(toggled(null, 4)).toEqual([4]);
    expect(toggled(2, 4)).toEqual([4]);
  });

  it('shows a label button as on when the current value carries it', () => {
    expect(carries(2, 2)).toBe(true);
    expect(carries(2, 3)).toBe(false);
    expect(carries(0, 0)).toBe(true);
    expect(carries([0, 4], 4)).toBe(true);
    expect(carries([0, 4], 2)).toBe(false);
    expect(carries([], 0)).toBe(false);
    expect(carries(null, 0)).toBe(false);
  });
});

describe('Review viewer zoom and pan', () => {
  const viewport: Size = { width: 800, height: 600 };
  const original: Size = { width: 4000, height: 4000 };
  /** The display bitmap on screen: smaller than the original, same aspect. */
  const shown: Size = { width: 1600, height: 1600 };

  /** The point of the image (in shown-bitmap pixels) under a viewport point, read back from the CSS transform. */
  function imagePointUnder(state: ViewState, at: { x: number; y: number }): { x: number; y: number } {
    const match = /^translate\((-?[\d.]+)px, (-?[\d.]+)px\) scale\(([\d.]+)\)$/.exec(layerTransform(state, viewport, shown));
    if (!match) throw new Error('unexpected transform');
    const [left, top, scale] = match.slice(1).map(Number) as [number, number, number];
    return { x: (at.x - left) / scale, y: (at.y - top) / scale };
  }

  it('fits the whole image in the viewport', () => {
    expect(fitScale(viewport, shown)).toBe(0.375);
    expect(fitScale(viewport, { width: 400, height: 100 })).toBe(2);
    expect(fitScale(viewport, { width: 1600, height: 900 })).toBe(0.5);
  });

  it('uses scale 1 while a size is unknown', () => {
    expect(fitScale({ width: 0, height: 0 }, shown)).toBe(1);
    expect(fitScale(viewport, { width: 0, height: 0 })).toBe(1);
  });

  it('centres the fitted image in the viewport', () => {
    expect(layerTransform(FIT, viewport, shown)).toBe('translate(100.00px, 0.00px) scale(0.375000)');
    expect(layerTransform(FIT, viewport, { width: 1600, height: 900 })).toBe('translate(0.00px, 75.00px) scale(0.500000)');
  });

  it('reads out the zoom as a percentage of the original image’s pixels', () => {
    expect(zoomPercent(FIT, viewport, original)).toBe(15);
    expect(zoomPercent({ zoom: 4, centreX: 0.5, centreY: 0.5 }, viewport, original)).toBe(60);
    expect(zoomPercent(FIT, viewport, { width: 100, height: 100 })).toBe(600);
  });

  it('keeps the image point under the pointer fixed when zooming in at the pointer', () => {
    const pointer = { x: 250, y: 420 };
    let state: ViewState = FIT;
    for (const factor of [1.5, 2, KEY_ZOOM_STEP, 1.1]) {
      const before = imagePointUnder(state, pointer);
      state = zoomAt(state, factor, pointer, viewport, shown, original);
      const after = imagePointUnder(state, pointer);
      expect(after.x).toBeCloseTo(before.x, 1);
      expect(after.y).toBeCloseTo(before.y, 1);
    }
    expect(state.zoom).toBeCloseTo(1.5 * 2 * 1.25 * 1.1, 10);
  });

  it('keeps the image point under the pointer fixed when zooming out above fit', () => {
    const pointer = { x: 620, y: 90 };
    const zoomed: ViewState = { zoom: 6, centreX: 0.4, centreY: 0.6 };
    const before = imagePointUnder(zoomed, pointer);
    const state = zoomAt(zoomed, 1 / 2, pointer, viewport, shown, original);
    expect(state.zoom).toBe(3);
    const after = imagePointUnder(state, pointer);
    expect(after.x).toBeCloseTo(before.x, 1);
    expect(after.y).toBeCloseTo(before.y, 1);
  });

  it('zooms about the centre with the keyboard, leaving the centre point in place', () => {
    const centre = { x: 400, y: 300 };
    const state = zoomAt({ zoom: 2, centreX: 0.3, centreY: 0.7 }, KEY_ZOOM_STEP, centre, viewport, shown, original);
    expect(state).toEqual({ zoom: 2.5, centreX: 0.3, centreY: 0.7 });
  });

  it('returns exactly to fit, centred, when zooming out to or past fit', () => {
    const offCentre: ViewState = { zoom: 1.2, centreX: 0.1, centreY: 0.9 };
    expect(zoomAt(offCentre, 1 / KEY_ZOOM_STEP, { x: 10, y: 10 }, viewport, shown, original)).toEqual(FIT);
    expect(zoomAt(FIT, 0.5, { x: 700, y: 500 }, viewport, shown, original)).toEqual(FIT);
  });

  it('stops zooming in at 8 screen pixels per pixel of the original image', () => {
    // Fit shows the 4000 px original at 0.15: the deepest zoom is 8 / 0.15.
    const deepest = zoomAt(FIT, 1000, { x: 400, y: 300 }, viewport, shown, original);
    expect(deepest.zoom).toBeCloseTo(8 / 0.15, 10);
    expect(zoomPercent(deepest, viewport, original)).toBe(800);
    const again = zoomAt(deepest, KEY_ZOOM_STEP, { x: 100, y: 100 }, viewport, shown, original);
    expect(again).toEqual(deepest);
  });

  it('does not zoom past fit an image that fit already shows at more than 8× its pixels', () => {
    const tiny: Size = { width: 50, height: 50 };
    expect(zoomAt(FIT, 2, { x: 300, y: 300 }, viewport, tiny, tiny)).toEqual(FIT);
  });

  it('keeps the viewport centre on the image when zooming at a point outside it', () => {
    // At fit the image spans x 100..700; the pointer is in the dark margin on the left.
    const state = zoomAt(FIT, 4, { x: 0, y: 300 }, viewport, shown, original);
    expect(state.zoom).toBe(4);
    expect(state.centreX).toBe(0);
    expect(state.centreY).toBe(0.5);
  });

  it('moves the image with the pointer when panning', () => {
    const zoomed: ViewState = { zoom: 2, centreX: 0.5, centreY: 0.5 };
    const before = imagePointUnder(zoomed, { x: 300, y: 200 });
    const state = panBy(zoomed, 60, -30, viewport, shown);
    // At zoom 2 the 1600 px bitmap is drawn at 0.75: 60 screen px are 80 bitmap px, 30 are 40.
    expect(state.zoom).toBe(2);
    expect(state.centreX).toBeCloseTo(0.5 - 80 / 1600, 12);
    expect(state.centreY).toBeCloseTo(0.5 + 40 / 1600, 12);
    // The point that was under the pointer is under the moved pointer.
    const after = imagePointUnder(state, { x: 360, y: 170 });
    expect(after.x).toBeCloseTo(before.x, 1);
    expect(after.y).toBeCloseTo(before.y, 1);
  });

  it('stops panning when the viewport centre reaches an edge of the image', () => {
    const zoomed: ViewState = { zoom: 2, centreX: 0.5, centreY: 0.5 };
    expect(panBy(zoomed, 5000, -5000, viewport, shown)).toEqual({ zoom: 2, centreX: 0, centreY: 1 });
    expect(panBy(zoomed, -5000, 5000, viewport, shown)).toEqual({ zoom: 2, centreX: 1, centreY: 0 });
  });
});

describe('undo guard for Ctrl+Z and the menu’s edit.undo', () => {
  it('undoes once for a keypress and the menu command it fires', () => {
    const guard = new UndoGuard();
    expect(guard.accept('key', 1000)).toBe(true);
    expect(guard.accept('menu', 1020)).toBe(false);
  });

  it('undoes once when the menu command arrives before the key event', () => {
    const guard = new UndoGuard();
    expect(guard.accept('menu', 1000)).toBe(true);
    expect(guard.accept('key', 1005)).toBe(false);
  });

  it('undoes twice for two real presses, each with its menu echo', () => {
    const guard = new UndoGuard();
    const accepted = [
      guard.accept('key', 1000),
      guard.accept('menu', 1010),
      guard.accept('key', 1200),
      guard.accept('menu', 1210),
    ].filter(Boolean);
    expect(accepted).toHaveLength(2);
  });

  it('undoes twice for two quick presses whose menu echoes both arrive after them', () => {
    const guard = new UndoGuard();
    const accepted = [
      guard.accept('key', 1000),
      guard.accept('key', 1100),
      guard.accept('menu', 1120),
      guard.accept('menu', 1130),
    ];
    expect(accepted).toEqual([true, true, false, false]);
  });

  it('undoes for every press when only key events arrive (browser mode) or only menu commands', () => {
    const keys = new UndoGuard();
    expect([keys.accept('key', 0), keys.accept('key', 50), keys.accept('key', 100)]).toEqual([true, true, true]);
    const menu = new UndoGuard();
    expect([menu.accept('menu', 0), menu.accept('menu', 50)]).toEqual([true, true]);
  });

  it('pairs a menu command only within 600 ms of the key press', () => {
    const late = new UndoGuard();
    expect(late.accept('key', 1000)).toBe(true);
    expect(late.accept('menu', 1600)).toBe(true);
    const inTime = new UndoGuard();
    expect(inTime.accept('key', 1000)).toBe(true);
    expect(inTime.accept('menu', 1599)).toBe(false);
  });

  it('uses the clock when no time is given', () => {
    const guard = new UndoGuard();
    expect(guard.accept('key')).toBe(true);
    expect(guard.accept('menu')).toBe(false);
    expect(guard.accept('menu')).toBe(true);
  });
});

describe('a grading day', () => {
  it('warns about a fundus photograph far below diagnostic resolution, and only then', async () => {
    const { lowResolutionWarning } = await import('../../src/renderer/src/lib/review/format');
    const { taskSpecFor } = await import('../../src/shared/domain');
    const dr = taskSpecFor('dr-grade');
    expect(lowResolutionWarning(dr, { width: 256, height: 256, status: 'ok' })).toMatch(/^Low resolution: 256 × 256 px/);
    expect(lowResolutionWarning(dr, { width: 2048, height: 1536, status: 'ok' })).toBeNull();
    expect(lowResolutionWarning(taskSpecFor('multiclass', ['a', 'b']), { width: 256, height: 256, status: 'ok' })).toBeNull();
    expect(lowResolutionWarning(dr, { width: null, height: null, status: 'error' })).toBeNull();
  });
});
