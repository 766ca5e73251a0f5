/**
 * What the whole window shares: the open project, the current reader, the view on screen, and the
 * Library's filter and sort (which Review's ←/→ also follow). Views keep everything else to themselves.
 */
import type { ProjectSummary } from '../../../shared/api';
import type { ImageFilter, ImageSortKey, Reader } from '../../../shared/domain';
import type { Person } from '../../../shared/people';

export type ViewName = 'projects' | 'library' | 'review' | 'triage' | 'train' | 'evaluate' | 'agreement' | 'adjudication' | 'people';

/**
 * The list Review's ←/→ move through: the Library's view, the triage queue, or the reader's work queue
 * (opened from the Library's "Grade my queue"). Esc returns to Triage from the triage queue, else to the Library.
 */
export type ReviewSource = 'library' | 'triage' | 'queue';

export const session = $state({
  project: null as ProjectSummary | null,
  reader: null as Reader | null,
  /** On a team server, the signed-in person with their role (also `reader`); null in the desktop app and single-token mode. */
  person: null as Person | null,
  view: 'projects' as ViewName,
  /** The image Review shows. */
  imageId: null as number | null,
  /** Follows the last of Library and Triage the reader was in, unless "Grade my queue" chose the work queue. */
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

/** Signs `person` in for this window: they are the reader, and their role decides what the window offers. */
export function signedIn(person: Person): void {
  session.person = person;
  session.reader = person;
}

/**
 * Whether the People view is offered: to a team server's admins; and in the desktop app and the
 * single-token mode, to the one person on the machine, who has the data directory's files (as the CLI's
 * user does). The server refuses people.* calls of anyone else on a team server either way.
 */
export const managesPeople = (team: boolean): boolean => !team || session.person?.role === 'admin';

export function openReview(imageId: number): void {
  session.imageId = imageId;
  session.view = 'review';
}

/** "Grade my queue": Review at the first image the reader owes, with ←/→ following their work queue. */
export function openMyQueue(): void {
  session.reviewSource = 'queue';
  session.imageId = null;
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
