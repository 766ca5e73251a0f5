import type { ImageDetail } from '../../shared/api';
import { positionIn } from '../../shared/domain';
import { imageChange, imageDetail } from './image-detail';
import { settleImage } from './protocols';
import type { Workspace } from './workspace';
import type { Validated } from './operation';

export function imageOperations(workspace: Workspace) {
  const { store } = workspace;
  const taskOf = (projectId: number) => store.projects.get(projectId).task;
  const flagsChanged = (imageId: number, event: { id: number } | null) =>
    workspace.changes.announce({ projectId: store.images.get(imageId).projectId, imageIds: [imageId], what: 'flags', eventIds: event ? [event.id] : [] });

  return {
    page: ({ offset, limit, ...view }: Validated<'images.page'>) => store.images.page(taskOf(view.projectId), { ...view, offset, limit }),
    locate: ({ view, imageId }: Validated<'images.locate'>) => positionIn(store.images.orderedIds(taskOf(view.projectId), view), imageId),
    get: ({ imageId }: Validated<'images.get'>): ImageDetail => imageDetail(store, imageId),
    /** An image of the project by id or file name, for the CLI's IMAGE argument. */
    resolve: (projectId: number, reference: string) => store.images.resolve(projectId, reference),
    setUngradable({ imageId, ungradable, readerId }: Validated<'images.setUngradable'>) {
      const event = store.transaction(() => {
        const flag = store.labels.setUngradable(imageId, ungradable, readerId);
        // Under a double protocol, a grader's "ungradable" is their call on the image.
        settleImage(store, store.projects.get(store.images.get(imageId).projectId), imageId, readerId);
        return flag;
      });
      flagsChanged(imageId, event);
      return imageChange(store, imageId, event);
    },
    setNote({ imageId, note, readerId }: Validated<'images.setNote'>) {
      const event = store.labels.setNote(imageId, note, readerId);
      flagsChanged(imageId, event);
      return imageChange(store, imageId, event);
    },
  };
}
