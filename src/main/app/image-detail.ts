import type { ImageChange, ImageDetail } from '../../shared/api';
import type { Store } from '../store';

/** What the renderer shows of one image: its row, its current label and its fellow eye. */
export function imageDetail(store: Store, imageId: number): ImageDetail {
  const image = store.images.get(imageId);
  return {
    id: image.id,
    projectId: image.projectId,
    fileName: image.fileName,
    path: image.path,
    width: image.width,
    height: image.height,
    bytes: image.bytes,
    format: image.format,
    groupId: image.groupId,
    eye: image.eye,
    status: image.status,
    errorKind: image.errorKind,
    errorText: image.errorText,
    ungradable: image.ungradable,
    duplicateOf: image.duplicateOf,
    duplicateKind: image.duplicateKind,
    note: image.note,
    sourceMeta: image.sourceMeta,
    dicom: image.dicom,
    label: store.labels.current(imageId),
    fellowEyeId: store.images.fellowEye(imageId),
  };
}

/** The answer to a write on one image: the event, and the image and history as they now are, so the writer need not read them back. */
export function imageChange<E>(store: Store, imageId: number, event: E): ImageChange<E> {
  return { event, image: imageDetail(store, imageId), history: store.labels.history(imageId) };
}
