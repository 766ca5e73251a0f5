/**
 * Zoom and pan of the Review viewer. The view is kept independent of the bitmap on screen: a zoom
 * relative to "fit to the window" and the point of the image (as fractions of its width and height)
 * that sits at the centre of the viewport. The original and the preprocessed view (which is cropped
 * to the fundus and smaller) therefore keep the same zoom and the same region when toggled.
 */

export interface ViewState {
  /** 1 = the whole image fits the viewport. */
  zoom: number;
  /** Image point at the centre of the viewport, as fractions of the image's width and height. */
  centreX: number;
  centreY: number;
}

export interface Size {
  width: number;
  height: number;
}

export const FIT: ViewState = { zoom: 1, centreX: 0.5, centreY: 0.5 };

/** Deepest zoom, in screen pixels per pixel of the original image. */
const MAX_PIXEL_ZOOM = 8;
export const KEY_ZOOM_STEP = 1.25;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

export function fitScale(viewport: Size, image: Size): number {
  if (!image.width || !image.height || !viewport.width || !viewport.height) return 1;
  return Math.min(viewport.width / image.width, viewport.height / image.height);
}

/** The CSS transform placing an image of `image` pixels (laid out at its own size, origin top left). */
export function layerTransform(state: ViewState, viewport: Size, image: Size): string {
  const scale = fitScale(viewport, image) * state.zoom;
  const left = viewport.width / 2 - state.centreX * image.width * scale;
  const top = viewport.height / 2 - state.centreY * image.height * scale;
  return `translate(${left.toFixed(2)}px, ${top.toFixed(2)}px) scale(${scale.toFixed(6)})`;
}

/** Zoom as a percentage of the original image's pixels, for the zoom readout. */
export function zoomPercent(state: ViewState, viewport: Size, original: Size): number {
  return Math.round(fitScale(viewport, original) * state.zoom * 100);
}

function maxZoom(viewport: Size, original: Size): number {
  return Math.max(1, MAX_PIXEL_ZOOM / fitScale(viewport, original));
}

/**
 * Multiplies the zoom by `factor`, keeping the image point under `at` (viewport pixels) where it is.
 * `shown` is the bitmap on screen, whose size turns screen distances into image fractions.
 */
export function zoomAt(state: ViewState, factor: number, at: { x: number; y: number }, viewport: Size, shown: Size, original: Size): ViewState {
  const zoom = clamp(state.zoom * factor, 1, maxZoom(viewport, original));
  // Back at fit: centre the image again rather than leaving it off to one side.
  if (zoom === 1) return FIT;
  const before = fitScale(viewport, shown) * state.zoom;
  const after = fitScale(viewport, shown) * zoom;
  const dx = at.x - viewport.width / 2;
  const dy = at.y - viewport.height / 2;
  return {
    zoom,
    centreX: clamp(state.centreX + (dx / shown.width) * (1 / before - 1 / after), 0, 1),
    centreY: clamp(state.centreY + (dy / shown.height) * (1 / before - 1 / after), 0, 1),
  };
}

/** Moves the image with the pointer; the viewport's centre always stays on the image. */
export function panBy(state: ViewState, dx: number, dy: number, viewport: Size, shown: Size): ViewState {
  const scale = fitScale(viewport, shown) * state.zoom;
  return {
    ...state,
    centreX: clamp(state.centreX - dx / (shown.width * scale), 0, 1),
    centreY: clamp(state.centreY - dy / (shown.height * scale), 0, 1),
  };
}
