/**
 * The image Review shows and what is shown with it: its detail, its place in the list Review follows,
 * its history, and the grading day's counter. Loaded when Review moves to an image, refreshed when
 * someone else changes it, and updated from the answer of the reader's own write without a read: the
 * place is asked for again only when the change may move the image in its list (see placeDependsOn),
 * and the counter is counted on from the image's history.
 */
import type { ImageChange, ImageDetail } from '../../../../shared/api';
import type { ImageEvent, LabelEvent } from '../../../../shared/domain';
import { call, CallError } from '../api';
import { session } from '../session.svelte';
import { firstGradeSince, startOfToday } from './graded-today';
import { describePosition, firstForReview, locateForReview, placeDependsOn, placeKeptOutside, type ReviewPosition } from './navigation';
import type { DataChange } from './own-writes';
import { preloadDisplay } from './preload';
import { asViewer } from './viewer';

/**
 * The image's history, or none with the server's reason when blind grading holds it back (the reader has
 * not graded the image yet under a double protocol).
 */
async function historyOf(imageId: number): Promise<{ events: ImageEvent[]; problem: string | null }> {
  try {
    return { events: await call('labels.history', { imageId, ...asViewer() }), problem: null };
  } catch (error) {
    if (error instanceof CallError && error.code === 'forbidden') return { events: [], problem: error.message };
    throw error;
  }
}

export const message = (error: unknown) => (error instanceof CallError ? error.message : String(error));

export class ImageOnScreen {
  image = $state<ImageDetail | null>(null);
  position = $state<ReviewPosition | null>(null);
  /** The image was graded out of the Library's filter: ←/→ still use the neighbours it had. */
  leftView = $state(false);
  history = $state<ImageEvent[]>([]);
  historyProblem = $state<string | null>(null);
  loadProblem = $state<string | null>(null);
  /** Images this reader graded in this project since midnight: the grading day's counter. */
  gradedToday = $state<number | null>(null);

  /** The image's id alone, so that panels keyed on it do not reload when the image's label changes. */
  readonly imageId = $derived(this.image?.id ?? null);
  readonly leftInView = $derived(this.position && this.position.index >= 0 ? this.position.total - this.position.index - 1 : null);
  readonly positionLabel = $derived(this.position ? describePosition(this.position, this.leftView) : '');

  #loadToken = 0;
  /** File names of the images seen in this Review, for saying which image a queued key went to. */
  #fileNames = new Map<number, string>();
  /** An image whose place the reader's own change may have moved, to ask for again if Review stays on it. */
  #placeToCheck: number | null = null;

  /** `problem` says what could not be refreshed, in Review's status line. */
  constructor(private readonly problem: (text: string) => void) {}

  /** Shows an image, or (null) the first of the list Review follows. */
  show(imageId: number | null): Promise<void> {
    return imageId === null ? this.#openFirstOfView() : this.#load(imageId);
  }

  /** Someone else changed something: refresh what it touches. */
  changedElsewhere(change: DataChange): void {
    const project = session.project;
    if (change.what === 'labels' && project && (change.projectId === null || change.projectId === project.id)) void this.countToday();
    const image = this.image;
    if (!image || (change.projectId !== null && change.projectId !== image.projectId)) return;
    if (change.imageIds === null || change.imageIds.includes(image.id)) void this.refresh(image.id);
  }

  async countToday(): Promise<void> {
    if (!session.reader || !session.project) return;
    try {
      const since = startOfToday();
      this.gradedToday = (await call('labels.gradedSince', { projectId: session.project.id, readerId: session.reader.id, since })).graded;
    } catch {
      this.gradedToday = null; // The counter is a convenience: grading goes on without it.
    }
  }

  /** Review opened without an image: start at the Library's focused image, the triage queue's place, the first image the reader owes, or the first of the list. */
  async #openFirstOfView(): Promise<void> {
    const token = ++this.#loadToken;
    try {
      const first = await firstForReview();
      if (token !== this.#loadToken) return;
      if ('imageId' in first) session.imageId = first.imageId;
      else this.loadProblem = first.problem;
    } catch (error) {
      if (token === this.#loadToken) this.loadProblem = `The images of this view could not be listed: ${message(error)}`;
    }
  }

  async #load(imageId: number): Promise<void> {
    const token = ++this.#loadToken;
    try {
      const [detail, located, history] = await Promise.all([call('images.get', { imageId, ...asViewer() }), locateForReview(imageId), historyOf(imageId)]);
      if (token !== this.#loadToken) return;
      if (detail.projectId !== session.project!.id) {
        // Left over from another project: start this one's Review afresh.
        session.imageId = null;
        return;
      }
      this.image = detail;
      this.#fileNames.set(detail.id, detail.fileName);
      this.position = located;
      this.leftView = false;
      this.history = history.events;
      this.historyProblem = history.problem;
      this.loadProblem = null;
      if (located.nextId !== null) preloadDisplay(located.nextId);
    } catch (error) {
      if (token !== this.#loadToken) return;
      this.image = null;
      this.position = null;
      this.loadProblem = `Image ${imageId} could not be opened: ${message(error)}`;
    }
  }

  /** Reloads what may have changed about the image on screen (after an undo, or a change elsewhere). */
  async refresh(imageId: number): Promise<void> {
    try {
      const [detail, located] = await Promise.all([call('images.get', { imageId, ...asViewer() }), locateForReview(imageId)]);
      if (this.image?.id !== imageId) return;
      this.image = detail;
      this.#takePlace(located);
    } catch (error) {
      if (this.image?.id === imageId) this.problem(`Could not refresh this image: ${message(error)}`);
    }
    await this.#loadHistory(imageId);
  }

  async #loadHistory(imageId: number): Promise<void> {
    try {
      const history = await historyOf(imageId);
      if (this.image?.id !== imageId) return;
      this.history = history.events;
      this.historyProblem = history.problem;
    } catch (error) {
      if (this.image?.id === imageId) this.historyProblem = `The history could not be loaded: ${message(error)}`;
    }
  }

  /**
   * A new place for the image on screen; one graded out of the list keeps its old neighbours for ←/→,
   * or the neighbours its answer names (see placeKeptOutside).
   */
  #takePlace(located: ReviewPosition): void {
    if (located.index >= 0 || !this.position || this.position.index < 0) {
      this.position = located;
      this.leftView = false;
    } else {
      if (placeKeptOutside(located)) this.position = located;
      this.leftView = true;
    }
  }

  /** The answer of the reader's own write to an image: shown as it is, with no read, unless its place may have moved. */
  applyChange(change: ImageChange<ImageEvent | null>, kind: 'label' | 'flag' | 'note'): void {
    if (change.event?.kind === 'label' && firstGradeSince(change.history, change.event, startOfToday()) && this.gradedToday !== null) this.gradedToday++;
    if (this.image?.id !== change.image.id) return;
    // Field by field: what did not change (the id, the picture's status) wakes nothing, so no panel asks again.
    Object.assign(this.image, change.image);
    this.history = change.history;
    this.historyProblem = null;
    if (placeDependsOn(kind)) this.#placeToCheck = change.image.id;
  }

  /** An accepted suggestion, whose answer is the event alone: the image is read back, and counted from its history. */
  async applyAccepted(event: LabelEvent): Promise<void> {
    if (this.image?.id !== event.imageId) return void this.countToday();
    await this.refresh(event.imageId);
    if (this.gradedToday !== null && this.image?.id === event.imageId && firstGradeSince(this.history, event, startOfToday())) this.gradedToday++;
  }

  /** Asks again for the place of an image the reader changed, if Review is still on it (a grade that advanced moved on). */
  async checkPlace(): Promise<void> {
    const imageId = this.#placeToCheck;
    this.#placeToCheck = null;
    if (imageId === null || session.imageId !== imageId || this.image?.id !== imageId) return;
    try {
      const located = await locateForReview(imageId);
      if (this.image?.id === imageId) this.#takePlace(located);
    } catch (error) {
      if (this.image?.id === imageId) this.problem(`Could not refresh this image: ${message(error)}`);
    }
  }

  /** The image after `imageId`: known already for the image on screen, asked for otherwise. */
  async nextAfter(imageId: number): Promise<number | null> {
    if (this.image?.id === imageId && this.position && this.position.index >= 0 && !this.leftView) return this.position.nextId;
    return (await locateForReview(imageId)).nextId;
  }

  /** An image as it is now: the one on screen is kept up to date; another is asked for. */
  detail(imageId: number): Promise<ImageDetail> {
    return this.image?.id === imageId ? Promise.resolve(this.image) : call('images.get', { imageId });
  }

  async nameOf(imageId: number): Promise<string> {
    const known = this.#fileNames.get(imageId);
    if (known) return known;
    try {
      const name = (await call('images.get', { imageId })).fileName;
      this.#fileNames.set(imageId, name);
      return name;
    } catch {
      return `image ${imageId}`;
    }
  }
}
