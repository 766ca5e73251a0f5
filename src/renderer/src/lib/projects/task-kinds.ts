/** The task kinds a project can have, in the words the create form and the project list use. */
import { HAM10000_CLASSES, HPA_LABELS, type TaskKind } from '../../../../shared/domain';

export const TASK_KINDS: ReadonlyArray<{ kind: TaskKind; name: string; description: string }> = [
  { kind: 'dr-grade', name: 'DR grade', description: 'Diabetic retinopathy, graded 0–4 on the international scale' },
  { kind: 'multiclass', name: 'Multiclass', description: 'One class per image, e.g. dermoscopy diagnoses' },
  { kind: 'multilabel', name: 'Multilabel', description: 'Any number of labels per image, e.g. protein locations' },
];

export const taskKindName = (kind: TaskKind): string => TASK_KINDS.find((task) => task.kind === kind)?.name ?? kind;

/** Known class lists a project can start from. */
export const CLASS_PRESETS: ReadonlyArray<{ id: string; name: string; kind: TaskKind; classes: readonly string[] }> = [
  { id: 'ham10000', name: 'HAM10000 (7 dermoscopy classes)', kind: 'multiclass', classes: HAM10000_CLASSES },
  { id: 'hpa', name: 'HPA (28 protein locations)', kind: 'multilabel', classes: HPA_LABELS },
];

/** Class names from "a, b , c": trimmed, blanks dropped. */
export const parseClassNames = (text: string): string[] =>
  text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
