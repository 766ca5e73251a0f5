import type { ImageEvent, LabelValue, RestoredFrom, TaskSpec } from './domain';
import { describeLabel } from './labels';

/** A label value as a grader writes it: the grade number, the class name, the label names. */
function shortLabel(task: TaskSpec, value: LabelValue): string {
  if (task.kind === 'dr-grade' && typeof value === 'number') return String(value);
  return describeLabel(task, value);
}

/** Where a restored value came from: "the imported value 2 (label file trainLabels.csv)", "3, as graded by Ann". */
export function describeRestored(task: TaskSpec, value: LabelValue, restored: RestoredFrom): string {
  const label = shortLabel(task, value);
  switch (restored.source) {
    case 'import':
      return `the imported value ${label} (label file ${restored.origin ?? 'unknown'})`;
    case 'model-accepted':
      return `${label}, as accepted from ${restored.origin ?? 'a model'}${restored.readerName ? ` by ${restored.readerName}` : ''}`;
    case 'adjudication':
      return `${label}, as adjudicated by ${restored.readerName ?? 'an unknown reader'}`;
    case 'reader':
      return `${label}, as graded by ${restored.readerName ?? 'an unknown reader'}`;
  }
}

/** What one event of an image's history changed, in words. */
export function describeChange(task: TaskSpec, event: ImageEvent): string {
  const undo = event.undoOf !== null ? 'Undone: ' : '';
  switch (event.kind) {
    case 'ungradable':
      return `${undo}${event.value ? 'marked ungradable' : 'ungradable mark removed'}`;
    case 'note':
      if (event.value === null) return `${undo}note removed (was “${event.previousValue ?? ''}”)`;
      return `${undo}${event.previousValue === null ? 'note' : 'note changed'}: “${event.value}”`;
    case 'label':
      if (event.undoOf !== null && event.restored && event.value !== null) {
        return `Restored to ${describeRestored(task, event.value, event.restored)}`;
      }
      return `${undo}${describeLabel(task, event.previousValue)} → ${describeLabel(task, event.value)}`;
  }
}
