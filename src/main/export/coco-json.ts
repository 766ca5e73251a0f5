// A project's images and current labels in the COCO JSON layout, for tools that read it. Gradedesk's labels
// belong to whole images, so the annotations are image-level: `image_id` and `category_id` without `bbox`,
// `segmentation` or `area` (the layout Datumaro calls `coco_labels`). Category ids start at 1, as COCO's do
// and as detectron2 requires; `class_index` keeps Gradedesk's own number (the DR grade).
import type { Project } from '../../shared/domain';
import type { Store } from '../store';
import type { ExportNaming } from './naming';

export interface CocoImage {
  id: number;
  file_name: string;
  width: number | null;
  height: number | null;
  /** Gradedesk's additions, which COCO readers ignore: the patient (group), the eye, and the ungradable flag. */
  group: string;
  eye: string | null;
  ungradable: boolean;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
  class_index: number;
}

export interface CocoDataset {
  info: { description: string; version: string; year: number; date_created: string; contributor: string; annotation_kind: string };
  licenses: never[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

export const IMAGE_LEVEL_NOTE =
  'Image-level labels: each annotation gives the category of its whole image and has no bbox, segmentation or area. ' +
  'A multilabel image has one annotation per label; an unlabelled image has none.';

/** The dataset, with `now` as its creation date (only the year when de-identified). */
export function cocoDataset(store: Store, project: Project, naming: ExportNaming, version: string, now: Date): CocoDataset {
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  for (const recorded of store.exports.currentLabels(project.id)) {
    const image = naming.image(recorded);
    images.push({ id: image.imageId, file_name: image.fileName, width: image.width, height: image.height, group: image.groupId, eye: image.eye, ungradable: image.ungradable });
    const classes = image.value === null ? [] : Array.isArray(image.value) ? image.value : [image.value];
    for (const index of classes) annotations.push({ id: annotations.length + 1, image_id: image.imageId, category_id: index + 1 });
  }
  const created = naming.time(now.toISOString().slice(0, 10))!;
  return {
    info: {
      description: naming.deidentified ? `A de-identified Gradedesk export (${project.task.kind})` : `Gradedesk export of ${project.name} (${project.task.kind})`,
      version,
      year: Number(created.slice(0, 4)),
      date_created: created,
      contributor: 'Gradedesk',
      annotation_kind: IMAGE_LEVEL_NOTE,
    },
    licenses: [],
    images,
    annotations,
    categories: project.task.classes.map((name, index) => ({ id: index + 1, name, supercategory: project.task.kind, class_index: index })),
  };
}
