// Domain types shared by every part of Gradedesk: the store, the import pipeline, the CLI and (later) the UI.
import { invalid } from './errors';

export const TASK_KINDS = ['dr-grade', 'multiclass', 'multilabel'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** International clinical diabetic retinopathy scale, index = grade. */
export const DR_GRADE_NAMES = [
  'No DR',
  'Mild NPDR',
  'Moderate NPDR',
  'Severe NPDR',
  'Proliferative DR',
] as const;

/** Grades at or above this are referable diabetic retinopathy. */
export const REFERABLE_GRADE = 2;

export const HAM10000_CLASSES = ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'] as const;

/** Human Protein Atlas image classification, label number = index. */
export const HPA_LABELS = [
  'Nucleoplasm', 'Nuclear membrane', 'Nucleoli', 'Nucleoli fibrillar center', 'Nuclear speckles',
  'Nuclear bodies', 'Endoplasmic reticulum', 'Golgi apparatus', 'Peroxisomes', 'Endosomes',
  'Lysosomes', 'Intermediate filaments', 'Actin filaments', 'Focal adhesion sites', 'Microtubules',
  'Microtubule ends', 'Cytokinetic bridge', 'Mitotic spindle', 'Microtubule organizing center',
  'Centrosome', 'Lipid droplets', 'Plasma membrane', 'Cell junctions', 'Mitochondria', 'Aggresome',
  'Cytosol', 'Cytoplasmic bodies', 'Rods & rings',
] as const;

/** Multilabel projects keep the current label as a bit mask in an integer column. */
export const MAX_MULTILABEL_CLASSES = 52;

/** What a project asks readers to decide. For `dr-grade` the classes are the grade names. */
export interface TaskSpec {
  kind: TaskKind;
  classes: string[];
}

/**
 * A label value: the grade (dr-grade) or class index (multiclass), or the sorted,
 * distinct label indices (multilabel). `null` means "no label" (e.g. after undoing the first grade).
 */
export type LabelValue = number | number[];

export type LabelSource = 'reader' | 'import' | 'adjudication' | 'model-accepted';

export type Eye = 'left' | 'right';

export interface Project {
  id: number;
  name: string;
  task: TaskSpec;
  createdAt: string;
}

export interface Reader {
  id: number;
  name: string;
  createdAt: string;
}

export type ImportStatus = 'ok' | 'error';

/** Why a file could not be imported. Each kind has one clear cause a user can act on. */
export type ImportErrorKind =
  | 'empty-file'
  | 'not-an-image'
  | 'corrupt-image'
  | 'too-many-pixels'
  | 'unsupported-format'
  /** Stored by versions before DICOM import; importing the file again reads it. */
  | 'dicom-not-supported'
  | 'dicom-bad-preamble'
  | 'dicom-damaged'
  | 'dicom-unsupported'
  | 'dicom-truncated'
  | 'file-too-large'
  | 'unreadable-file';

/** What a DICOM file says of where its image came from. */
export interface DicomFacts {
  /** StudyDate as YYYY-MM-DD. */
  studyDate: string | null;
  manufacturer: string | null;
  /** ManufacturerModelName. */
  model: string | null;
}

export interface ImageRecord {
  id: number;
  projectId: number;
  path: string;
  fileName: string;
  sha256: string;
  /** 64-bit perceptual hash as 16 hex characters; null when the file could not be decoded. */
  phash: string | null;
  width: number | null;
  height: number | null;
  bytes: number;
  format: string | null;
  groupId: string;
  eye: Eye | null;
  sourceMeta: Record<string, string> | null;
  /** Study date and camera of an image imported from DICOM; null for other images. */
  dicom: DicomFacts | null;
  status: ImportStatus;
  errorKind: ImportErrorKind | null;
  errorText: string | null;
  importedAt: string;
}

export interface ImageFlags {
  ungradable: boolean;
  duplicateOf: number | null;
  duplicateKind: 'exact' | 'near' | null;
  note: string | null;
}

/** What an undo restored: the event whose value came back, and where that value came from. */
export interface RestoredFrom {
  eventId: number;
  source: LabelSource;
  readerName: string | null;
  /** The label file of an imported value, the model of an accepted one. */
  origin: string | null;
}

/** What every event of an image's append-only log records. */
interface ImageEventBase {
  id: number;
  imageId: number;
  /** The reader who gave the label; null for imported labels. */
  readerName: string | null;
  /** Where a non-reader label came from: the label file for imports, the model for accepted predictions. */
  origin: string | null;
  source: LabelSource;
  note: string | null;
  createdAt: string;
  /** The event this one undoes (null for anything but an undo). */
  undoOf: number | null;
  /** For an undo: the earlier event whose value it put back (null when it went back to no value). */
  restored: RestoredFrom | null;
}

/** A grade, class or label set given to an image. */
export interface LabelEvent extends ImageEventBase {
  kind: 'label';
  value: LabelValue | null;
  previousValue: LabelValue | null;
}

/** The ungradable flag set or cleared. */
export interface UngradableEvent extends ImageEventBase {
  kind: 'ungradable';
  value: boolean;
  previousValue: boolean;
}

/** The image's note written, changed or removed. */
export interface NoteEvent extends ImageEventBase {
  kind: 'note';
  value: string | null;
  previousValue: string | null;
}

/** One entry of an image's audited history: labels, ungradable flags and notes, in one order. */
export type ImageEvent = LabelEvent | UngradableEvent | NoteEvent;
export type ImageEventKind = ImageEvent['kind'];

export interface CurrentLabel {
  imageId: number;
  value: LabelValue;
  source: LabelSource;
  readerName: string | null;
  eventId: number;
  updatedAt: string;
  /** When the label is an undo's: the value it restored and where that came from (a label file, a reader). */
  restoredFrom: RestoredFrom | null;
}

/** Default task spec for a task kind; multiclass and multilabel need their classes named. */
export function taskSpecFor(kind: TaskKind, classes?: readonly string[]): TaskSpec {
  if (kind === 'dr-grade') return { kind, classes: [...DR_GRADE_NAMES] };
  if (!classes || classes.length < 2) {
    throw invalid(`A ${kind} project needs at least two classes (for example --classes ${HAM10000_CLASSES.join(',')}).`);
  }
  if (new Set(classes).size !== classes.length) throw invalid(`Class names must be distinct: ${classes.join(', ')}.`);
  if (kind === 'multilabel' && classes.length > MAX_MULTILABEL_CLASSES) {
    throw invalid(`A multilabel project can have at most ${MAX_MULTILABEL_CLASSES} labels, not ${classes.length}.`);
  }
  return { kind, classes: [...classes] };
}

/** Which images a grid page shows. Every filter narrows; omitted ones do not apply. */
export interface ImageFilter {
  /** Grade or class index (dr-grade, multiclass) or a label index the image must carry (multilabel). */
  label?: number;
  unlabelled?: boolean;
  ungradable?: boolean;
  /** Only images marked ungradable that nevertheless carry a label: one of the two is probably wrong. */
  conflicts?: boolean;
  duplicates?: boolean;
  importErrors?: boolean;
  groupId?: string;
  /** The active model's predicted grade or class (multilabel: a label it predicts). */
  predicted?: number;
  /** Only images whose P(referable DR) from the active model is at least this. */
  referableAtLeast?: number;
  /** DICOM images whose manufacturer or model contains this text (any case). */
  equipment?: string;
  /** DICOM images studied on or after this day (YYYY-MM-DD). */
  studyFrom?: string;
  /** DICOM images studied on or before this day (YYYY-MM-DD). */
  studyTo?: string;
}

/** `predicted` and `referable` sort by the active model's prediction; images without one come last. */
export const IMAGE_SORT_KEYS = ['name', 'label', 'imported', 'predicted', 'referable'] as const;
export type ImageSortKey = (typeof IMAGE_SORT_KEYS)[number];

export interface ImageQuery {
  projectId: number;
  filter?: ImageFilter;
  sort?: ImageSortKey;
  descending?: boolean;
  offset?: number;
  limit?: number;
}

/** One cell of the library grid: what a thumbnail and its badges need. */
export interface GridRow {
  id: number;
  fileName: string;
  sha256: string;
  status: ImportStatus;
  errorKind: ImportErrorKind | null;
  label: LabelValue | null;
  ungradable: boolean;
  duplicateOf: number | null;
  groupId: string;
  eye: Eye | null;
  /** The active model's prediction, if it has made one for this image. */
  prediction: GridPrediction | null;
}

/** What a grid cell shows of the active model's prediction. */
export interface GridPrediction {
  predicted: LabelValue;
  referable: number | null;
  expected: number | null;
}

/** Where an image stands in a filtered, sorted view: what ←/→ in Review move through. */
export interface ViewPosition {
  /** -1 when the image is not in the view. */
  index: number;
  total: number;
  previousId: number | null;
  nextId: number | null;
}

/** An image's place among ordered ids, and its neighbours there. */
export function positionIn(ids: readonly number[] | Int32Array, imageId: number): ViewPosition {
  const index = ids.indexOf(imageId);
  return {
    index,
    total: ids.length,
    previousId: index > 0 ? ids[index - 1]! : null,
    nextId: index >= 0 && index < ids.length - 1 ? ids[index + 1]! : null,
  };
}

export interface GridPage {
  rows: GridRow[];
  total: number;
}

export interface ProjectStats {
  images: number;
  imported: number;
  errors: Partial<Record<ImportErrorKind, number>>;
  /** Images carrying each class (by class name); for dr-grade the key is the grade number. */
  perClass: Record<string, number>;
  labelled: number;
  unlabelled: number;
  ungradable: number;
  duplicates: { exact: number; near: number };
  groups: number;
  labelEvents: number;
}
