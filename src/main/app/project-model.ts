import type { Project } from '../../shared/domain';
import { GradedeskError } from '../../shared/errors';
import type { ModelDetail } from '../../shared/ml';
import type { Store } from '../store';

/**
 * The model an operation on a project works with: the one asked for, else the project's active one.
 * Refused, saying why, when the project has no active model or the model belongs to another project.
 * `purpose` finishes the sentence for the reader ("so there is no Grad-CAM to show").
 */
export function projectModel(store: Store, project: Project, modelId?: number, purpose?: string): ModelDetail {
  const id = modelId ?? store.models.active(project.id)?.id;
  if (id === undefined) throw new GradedeskError('invalid', `${project.name} has no active model${purpose ? `, ${purpose}` : ''}; train one first.`);
  const model = store.models.get(id);
  if (model.projectId !== project.id) throw new GradedeskError('invalid', `Model ${id} belongs to another project.`);
  return model;
}
