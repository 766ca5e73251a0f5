/**
 * What the whole window shares: the open project, the current reader, the view on screen, and the
 * Library's filter and sort (which Review's ←/→ also follow). Views keep everything else to themselves.
 */
import type { ProjectSummary } from '../../../shared/api';
import type { ImageFilter, ImageSortKey, Reader } from '../../../shared/domain';

export type ViewName = 'projects' | 'library' | 'review' | 'triage' | 'train' | 'evaluate' | 'agreement' | 'adjudication';

/** The list Review's ←/→ move through (and Esc returns to): the Library's view, or the triage queue. */
export type ReviewSource = 'library' | 'triage';

export const session = $state({
  project: null as ProjectSummary | null,
  reader: null as Reader | null,
  view: 'projects' as ViewName,
  /** The image Review shows. */
  imageId: null as number | null,
  /** Follows the last of Library and Triage the reader was in. */
  reviewSource: 'library' as ReviewSource,
});

export const library = $state({
  filter: {} as ImageFilter,
  sort: 'name' as ImageSortKey,
  descending: false,
  /** Images selected in the grid for bulk grading. */
  selected: [] as number[],
  /** The grid cell with keyboard focus, as an index into the filtered, sorted view. */
  focusIndex: 0,
});

/** The Library's filter and sort as an api view of the open project. */
export function currentView() {
  return { projectId: session.project!.id, filter: { ...library.filter }, sort: library.sort, descending: library.descending };
}

const READER_KEY = 'gradedesk.reader';

/** The reader is chosen once per machine profile and remembered, by name, between sessions. */
export const rememberedReaderName = (): string | null => localStorage.getItem(READER_KEY);
export function rememberReader(reader: Reader): void {
  session.reader = reader;
  localStorage.setItem(READER_KEY, reader.name);
}

export function openReview(imageId: number): void {
  session.imageId = imageId;
  session.view = 'review';
}

const PLACE_KEY = 'gradedesk.place';

/** Where the reader was (project, view, image, library filter), so a reload or restart returns there. */
export function rememberPlace(): void {
  if (!session.project) return localStorage.removeItem(PLACE_KEY);
  const place = { projectId: session.project.id, view: session.view, imageId: session.imageId, reviewSource: session.reviewSource, library: { filter: library.filter, sort: library.sort, descending: library.descending, focusIndex: library.focusIndex } };
  localStorage.setItem(PLACE_KEY, JSON.stringify(place));
}

export function rememberedPlace(): { projectId: number; view: ViewName; imageId: number | null; reviewSource?: ReviewSource; library: Pick<typeof library, 'filter' | 'sort' | 'descending' | 'focusIndex'> } | null {
  try {
    return JSON.parse(localStorage.getItem(PLACE_KEY) ?? 'null');
  } catch {
    return null;
  }
}
