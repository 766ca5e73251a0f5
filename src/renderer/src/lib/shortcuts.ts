/** Every keyboard shortcut, in one table: the `?` overlay lists it and the application menu mirrors it. */
export interface Shortcut {
  keys: string;
  action: string;
  scope: 'Anywhere' | 'Library' | 'Review' | 'Triage' | 'Train' | 'Evaluate' | 'Adjudication';
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: '?', action: 'Show or hide this list of shortcuts', scope: 'Anywhere' },
  { keys: 'Ctrl+1 … Ctrl+9', action: 'Projects / Library / Review / Triage / Train / Evaluate / Agreement / Adjudication / People (on a team server, admins only)', scope: 'Anywhere' },
  { keys: '0 1 2 3 4 · Ctrl+Z · ← →', action: 'Decide the referred image / undo your last decision / previous or next', scope: 'Adjudication' },
  { keys: 'Ctrl+Z', action: 'Undo your last grade, ungradable mark or note (writes an undo event)', scope: 'Anywhere' },
  { keys: 'Esc', action: 'Close a dialog or the overlay', scope: 'Anywhere' },
  { keys: '← → ↑ ↓', action: 'Move between thumbnails', scope: 'Library' },
  { keys: 'Enter', action: 'Open the focused image in Review', scope: 'Library' },
  { keys: 'Space', action: 'Select or deselect the focused image', scope: 'Library' },
  { keys: 'Shift+click / Ctrl+click', action: 'Select a range / add to the selection', scope: 'Library' },
  { keys: 'Ctrl+A', action: 'Select every image in the current filter', scope: 'Library' },
  { keys: '0–4 (class keys)', action: 'Grade the selected images', scope: 'Library' },
  { keys: 'Q', action: 'Grade my queue: Review through the images you still owe (double grading)', scope: 'Library' },
  { keys: '0 1 2 3 4', action: 'Grade the image (dr-grade); class hotkeys for multiclass; label toggles for multilabel', scope: 'Review' },
  { keys: 'U', action: 'Mark or unmark as ungradable', scope: 'Review' },
  { keys: 'N', action: 'Add or edit a note', scope: 'Review' },
  { keys: '← / →', action: 'Previous / next image in the current filter and sort, in the triage queue when opened from Triage, or in your queue from “Grade my queue”', scope: 'Review' },
  { keys: 'Esc', action: 'Back to the Library, or to Triage', scope: 'Review' },
  { keys: '+ / − / F', action: 'Zoom in / zoom out / fit to the window', scope: 'Review' },
  { keys: 'Wheel / drag', action: 'Zoom at the pointer / pan', scope: 'Review' },
  { keys: 'P', action: 'Toggle original and preprocessed (Ben Graham) view', scope: 'Review' },
  { keys: 'G', action: 'Toggle the Grad-CAM of the active model (where it looked) over its input picture', scope: 'Review' },
  { keys: 'H', action: 'Show or hide the history panel', scope: 'Review' },
  { keys: 'E', action: 'The same patient’s other eye (fellow eye)', scope: 'Review' },
  { keys: 'A', action: 'Accept the similar cases’ suggested label (when its vote reaches your threshold); Ctrl+Z undoes it', scope: 'Review' },
  { keys: '↑ / ↓, Page Up / Page Down, Home / End', action: 'Move through the queue', scope: 'Triage' },
  { keys: 'Enter', action: 'Grade the focused image in Review; ← / → then follow the queue', scope: 'Triage' },
  { keys: 'Enter / Space', action: 'Show the focused model’s curves and epochs', scope: 'Train' },
  { keys: '↑ / ↓', action: 'Move between models in the list', scope: 'Train' },
  { keys: '← / → (on the slider)', action: 'Move the referable-DR operating point along the ROC curve', scope: 'Evaluate' },
  { keys: 'Home / End (on the slider)', action: 'Refer nobody / refer everybody', scope: 'Evaluate' },
];
