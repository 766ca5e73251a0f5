import { GradedeskError } from '../../shared/errors';
import { imageChange } from './image-detail';
import type { Workspace } from './workspace';
import type { Validated } from './operation';

export function labelOperations(workspace: Workspace) {
  const { store } = workspace;
  const projectOfImage = (imageId: number) => store.projects.get(store.images.get(imageId).projectId);
  const changed = (projectId: number, imageIds: number[], what: 'labels' | 'flags', events: Array<{ id: number }>) =>
    workspace.changes.announce({ projectId, imageIds, what, eventIds: events.map((event) => event.id) });

  return {
    /** A reader's label for one image. */
    record({ imageId, value, readerId, note }: Validated<'labels.record'>) {
      const project = projectOfImage(imageId);
      const event = store.labels.record(project.task, { imageId, value, source: 'reader', readerId, note })!;
      changed(project.id, [imageId], 'labels', [event]);
      return imageChange(store, imageId, event);
    },
    recordMany({ imageIds: named, value, readerId }: Validated<'labels.recordMany'>) {
      const imageIds = [...new Set(named)];
      const project = projectOfImage(imageIds[0]!);
      if (imageIds.some((imageId) => store.images.get(imageId).projectId !== project.id)) {
        throw new GradedeskError('invalid', 'Bulk grading works on the images of one project at a time.');
      }
      const written = store.labels.recordMany(project.task, imageIds.map((imageId) => ({ imageId, value, source: 'reader' as const, readerId })));
      changed(project.id, imageIds, 'labels', written);
      return written;
    },
    bulkEffect: ({ imageIds, value }: Validated<'labels.bulkEffect'>) => store.images.bulkGradeEffect(imageIds, value),
    gradedSince: ({ projectId, readerId, since }: Validated<'labels.gradedSince'>) => ({ graded: store.labels.gradedSince(projectId, readerId, since) }),
    undo({ eventId, readerId }: Validated<'labels.undo'>) {
      const imageId = store.labels.event(eventId).imageId;
      const project = projectOfImage(imageId);
      const event = store.labels.undo(project.task, eventId, readerId);
      changed(project.id, [imageId], event.kind === 'label' ? 'labels' : 'flags', [event]);
      return event;
    },
    undoMany({ eventIds: named, readerId }: Validated<'labels.undoMany'>) {
      const eventIds = [...new Set(named)];
      const project = projectOfImage(store.labels.event(eventIds[0]!).imageId);
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
