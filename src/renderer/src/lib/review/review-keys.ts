/** The Review keys (see SHORTCUTS), turned into actions; the view decides what each does. */
export type ReviewAction =
  | { kind: 'label'; digit: number }
  | { kind: 'ungradable' }
  | { kind: 'note' }
  | { kind: 'previous' }
  | { kind: 'next' }
  | { kind: 'zoom-in' }
  | { kind: 'zoom-out' }
  | { kind: 'fit' }
  | { kind: 'preprocessed' }
  | { kind: 'gradcam' }
  | { kind: 'history' }
  | { kind: 'fellow-eye' }
  | { kind: 'accept-suggestion' }
  | { kind: 'undo' }
  | { kind: 'library' };

const NOT_TYPED_INTO = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image']);
const SLIDER_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown']);

/**
 * Keys typed into a field, or pressed while a dialog is open, belong to that field or dialog. Call it
 * in the capture phase: by the bubble phase, Escape may already have closed the dialog it was meant for.
 */
export function keyBelongsElsewhere(event: KeyboardEvent): boolean {
  const target = event.target;
  if (target instanceof HTMLInputElement && !NOT_TYPED_INTO.has(target.type)) return true;
  // A slider (Grad-CAM opacity) moves with the arrow keys; the other keys stay Review's.
  if (target instanceof HTMLInputElement && target.type === 'range' && SLIDER_KEYS.has(event.key)) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLElement && target.isContentEditable) return true;
  if (target instanceof Element && target.closest('[role="dialog"]')) return true;
  return document.querySelector('[aria-modal="true"]') !== null;
}

export function reviewAction(event: KeyboardEvent): ReviewAction | null {
  const { key } = event;
  if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && key.toLowerCase() === 'z') return { kind: 'undo' };
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  // Holding a grading key down must not grade image after image.
  if (/^[0-9]$/.test(key)) return event.repeat ? null : { kind: 'label', digit: Number(key) };
  switch (key) {
    case 'ArrowLeft':
      return { kind: 'previous' };
    case 'ArrowRight':
      return { kind: 'next' };
    case '+':
    case '=':
      return { kind: 'zoom-in' };
    case '-':
    case '_':
      return { kind: 'zoom-out' };
    case 'Escape':
      return { kind: 'library' };
  }
  if (event.repeat) return null;
  switch (key.toLowerCase()) {
    case 'u':
      return { kind: 'ungradable' };
    case 'n':
      return { kind: 'note' };
    case 'f':
      return { kind: 'fit' };
    case 'p':
      return { kind: 'preprocessed' };
    case 'g':
      return { kind: 'gradcam' };
    case 'h':
      return { kind: 'history' };
    case 'e':
      return { kind: 'fellow-eye' };
    case 'a':
      return { kind: 'accept-suggestion' };
  }
  return null;
}
