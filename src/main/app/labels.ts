import { GradedeskError, conflict, forbidden } from '../../shared/errors';
import { isDoubleProtocol } from '../../shared/protocols';
import { imageChange } from './image-detail';
import { settleImage } from './protocols';
import type { Workspace } from './workspace';
import type { Validated } from './operation';

export function labelOperations(workspace: Workspace) {
  const { store } = workspace;
  const projectOfImage = (imageId: number) => store.projects.get(store.images.get(imageId).projectId);
  const isBlindProject = (projectId: number) => isDoubleProtocol(store.protocols.get(projectId));
  /**
   * Under a double protocol a grader undoes their own grades; the final label is the adjudicator's to take back,
   * except a consensus, which follows the grades (undoing it would only bring it back).
   */
  const refuseGraderUndoingFinal = (projectId: number, eventIds: number[], readerId: number) => {
    if (!isBlindProject(projectId)) return;
    const finals = eventIds.map((eventId) => store.labels.event(eventId)).filter((event) => event.kind === 'label' && store.labels.blindGrader(event.id) === null);
    const consensus = finals.find((event) => event.origin?.startsWith('consensus'));
    if (consensus) throw conflict(`Event ${consensus.id} is the graders' consensus; it changes when a grader changes their grade, not by undoing it.`);
    if (finals.length && store.people.get(readerId).role === 'grader') {
      throw forbidden(`Event ${finals[0]!.id} set the image's final label; under this project's protocol only an adjudicator or an admin can undo it.`);
    }
  };
  const changed = (projectId: number, imageIds: number[], what: 'labels' | 'flags', events: Array<{ id: number }>) =>
    workspace.changes.announce({ projectId, imageIds, what, eventIds: events.map((event) => event.id) });

  return {
    /**
     * A reader's label for one image. Under a double protocol it is the reader's own blind grade, and the
     * final label follows from the graders' grades (an event of its own) once they are all in.
     */
    record({ imageId, value, readerId, note }: Validated<'labels.record'>) {
      const project = projectOfImage(imageId);
      const blind = isBlindProject(project.id);
      const [event, ...settled] = store.transaction(() => {
        const grade = store.labels.record(project.task, { imageId, value, source: 'reader', readerId, note, blind })!;
        const final = blind ? settleImage(store, project, imageId, readerId) : null;
        return final ? [grade, final] : [grade];
      });
      changed(project.id, [imageId], 'labels', [event!, ...settled]);
      return imageChange(store, imageId, event!);
    },
    recordMany({ imageIds: named, value, readerId }: Validated<'labels.recordMany'>) {
      const imageIds = [...new Set(named)];
      const project = projectOfImage(imageIds[0]!);
      if (imageIds.some((imageId) => store.images.get(imageId).projectId !== project.id)) {
        throw new GradedeskError('invalid', 'Bulk grading works on the images of one project at a time.');
      }
      const blind = isBlindProject(project.id);
      const { written, finals } = store.transaction(() => {
        const grades = store.labels.recordMany(project.task, imageIds.map((imageId) => ({ imageId, value, source: 'reader' as const, readerId, blind })));
        return { written: grades, finals: blind ? imageIds.flatMap((imageId) => settleImage(store, project, imageId, readerId) ?? []) : [] };
      });
      changed(project.id, imageIds, 'labels', [...written, ...finals]);
      return written;
    },
    bulkEffect: ({ imageIds, value }: Validated<'labels.bulkEffect'>) => store.images.bulkGradeEffect(imageIds, value),
    gradedSince: ({ projectId, readerId, since }: Validated<'labels.gradedSince'>) => ({ graded: store.labels.gradedSince(projectId, readerId, since) }),
    undo({ eventId, readerId }: Validated<'labels.undo'>) {
      const imageId = store.labels.event(eventId).imageId;
      const project = projectOfImage(imageId);
      refuseGraderUndoingFinal(project.id, [eventId], readerId);
      const [event, ...settled] = store.transaction(() => {
        const undo = store.labels.undo(project.task, eventId, readerId);
        const final = isBlindProject(project.id) ? settleImage(store, project, imageId, readerId) : null;
        return final ? [undo, final] : [undo];
      });
      changed(project.id, [imageId], event!.kind === 'label' ? 'labels' : 'flags', [event!, ...settled]);
      return event!;
    },
    undoMany({ eventIds: named, readerId }: Validated<'labels.undoMany'>) {
      const eventIds = [...new Set(named)];
      const project = projectOfImage(store.labels.event(eventIds[0]!).imageId);
      refuseGraderUndoingFinal(project.id, eventIds, readerId);
      const events = store.labels.undoMany(project.task, eventIds, readerId);
      changed(project.id, events.map((event) => event.imageId), 'labels', events);
      return events;
    },
    history({ imageId }: Validated<'labels.history'>) {
      store.images.get(imageId);
      return store.labels.history(imageId);
    },
  };
}
