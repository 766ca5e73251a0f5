/** The words and choices of Review's Grad-CAM panel. */
import type { GradCamRender } from '../../../../shared/api';
import type { TaskSpec } from '../../../../shared/domain';

/** The heat map's opacity when Review opens, in percent. */
export const DEFAULT_OPACITY = 60;

/** Which class the map explains: the one the model predicts for each image, or one the reader picked. */
export type GradCamChoice = 'predicted' | number;

/** A class in the project's own words: "grade 3 (Severe)" for DR grading, the class name otherwise. */
export function gradCamClassName(task: TaskSpec, targetClass: number): string {
  const name = task.classes[targetClass] ?? `class ${targetClass}`;
  return task.kind === 'dr-grade' ? `grade ${targetClass} (${name})` : name;
}

export function classOptions(task: TaskSpec): Array<{ value: number; label: string }> {
  return task.classes.map((_, k) => ({ value: k, label: gradCamClassName(task, k) }));
}

/** The first entry of the class picker, which follows each image's prediction. */
export function predictedOptionLabel(task: TaskSpec, answer: Pick<GradCamRender, 'targetClass' | 'classFrom'> | null): string {
  if (!answer || answer.classFrom === 'request') return task.kind === 'dr-grade' ? 'The severest grade with a real chance' : 'The class the model predicts';
  if (answer.classFrom === 'default') return `Not predicted yet: ${gradCamClassName(task, answer.targetClass)}`;
  if (answer.classFrom === 'severest') return `The severest grade with a real chance: ${gradCamClassName(task, answer.targetClass)}`;
  return `The model predicts ${gradCamClassName(task, answer.targetClass)}`;
}

/** The select's value for a choice, and back. */
export const choiceValue = (choice: GradCamChoice): string => (choice === 'predicted' ? 'predicted' : String(choice));
export function parseChoice(value: string, task: TaskSpec): GradCamChoice {
  const index = Number(value);
  return /^\d+$/.test(value) && index < task.classes.length ? index : 'predicted';
}

/** How the engine prepares each task's pictures (src/main/ml/features/preprocessing.ts), in a reader's words. */
const MODEL_INPUT_PREPARATION: Record<TaskSpec['kind'], string> = {
  'dr-grade': 'cropped to the fundus and Ben Graham normalised',
  multiclass: 'centre-cropped and colour-normalised (Shades of Grey)',
  multilabel: 'fitted to a square and contrast-stretched',
};

/** What the overlay is, what its colours mean, and what it does not say. */
export function gradCamCaption(task: TaskSpec, targetClass: number): { input: string; colours: string; caveat: string } {
  return {
    input: `Over the photograph: the map of the model’s input (the picture ${MODEL_INPUT_PREPARATION[task.kind]}) carried back onto it.`,
    colours: `Warmer = regions that raised the score for ${gradCamClassName(task, targetClass)}.`,
    caveat: 'Grad-CAM shows where the model looked, not that a lesion is there.',
  };
}

/** CSS opacity of the heat-map layer for a slider position (0–100). */
export const layerOpacity = (percent: number): string => String(Math.min(100, Math.max(0, Math.round(percent))) / 100);
