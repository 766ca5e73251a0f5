/**
 * Review's state and what changes it: moving between images, the queue of grading keys, notes, accepted
 * suggestions, undo, and the messages about all of these; the image on screen is ImageOnScreen's.
 * ReviewView only lays it out and maps keys to it.
 *
 * A grade costs one write and at most one read: `labels.record` answers with the image and its history
 * as they now are (ImageOnScreen.applyChange), and the `data.changed` event of the window's own write is
 * recognised (OwnWrites) rather than fetched back. Changes made elsewhere still refresh the image.
 *
 * Create one while a component initialises: its effects live as long as that component.
 */
import { untrack } from 'svelte';
import type { LabelEvent } from '../../../../shared/domain';
import { describeLabel } from '../../../../shared/labels';
import { call, on } from '../api';
import { session } from '../session.svelte';
import { rememberForUndo, undoLast, undoState } from '../undo.svelte';
import { GradingQueue, type QueueReport } from './grading-queue';
import { ImageOnScreen, message } from './image-on-screen.svelte';
import { labelForDigit } from './label-keys';
import { afterLastImage, leaveReview, noImageThatWay } from './navigation';
import { OwnWrites } from './own-writes';
import type { Acceptance } from './similar-text';
import { UndoGuard } from './undo-guard';
import { keyWords, NOTHING_TO_UNDO, STILL_SAVING, undoneWords, type QueuedKey } from './review-text';

export type Status = { tone: 'info' | 'ok' | 'error'; text: string };
/** A change that was not saved: it stays on screen until the reader dismisses it. */
export type Problem = { id: number; text: string; imageId: number | null };

/** What Review needs from the components it lays out. */
export interface ReviewParts {
  openNoteEditor(): void;
  suggestion(): Acceptance | undefined;
  reloadSimilar(): void;
}

const ADVANCE_KEY = 'gradedesk.review.advance';

export class ReviewState {
  readonly onScreen = new ImageOnScreen((text) => this.say('error', text));
  status = $state<Status | null>(null);
  /** A note or an accepted suggestion in flight: nothing else is sent until it has an answer. */
  saving = $state(false);
  /** Keys queued, saving, or the screen still catching up with them. */
  keysBusy = $state(false);
  savingLabel = $state<number | null>(null);
  justSaved = $state<number | null>(null);
  problems = $state<Problem[]>([]);
  preprocessed = $state(false);
  showHistory = $state(true);
  editingNote = $state(false);
  advanceAfterGrading = $state(localStorage.getItem(ADVANCE_KEY) !== 'off');

  #problemCount = 0;
  /** The image the grading queue brought on screen; any other image opened is the reader moving. */
  #shownByQueue: number | null = null;
  readonly #ownWrites = new OwnWrites((change) => this.onScreen.changedElsewhere(change));
  readonly #undoGuard = new UndoGuard();
  readonly #queue: GradingQueue<QueuedKey>;

  constructor(private readonly parts: ReviewParts) {
    this.#queue = new GradingQueue<QueuedKey>({
      nextAfter: (imageId) => this.onScreen.nextAfter(imageId),
      perform: (key, imageId) => this.#performKey(key, imageId),
      show: (imageId) => {
        if (session.view !== 'review') return;
        this.#shownByQueue = imageId;
        session.imageId = imageId;
      },
      report: (report) => this.#reportKey(report),
      busyChanged: (busy) => (this.keysBusy = busy),
    });

    $effect(() => {
      localStorage.setItem(ADVANCE_KEY, this.advanceAfterGrading ? 'on' : 'off');
    });
    $effect(() => {
      const imageId = session.imageId;
      untrack(() => {
        if (imageId !== this.#shownByQueue) this.#queue.moved();
        this.#shownByQueue = null;
        this.editingNote = false;
        return this.onScreen.show(imageId);
      });
    });
    $effect(() =>
      untrack(() => {
        void this.onScreen.countToday();
        const stops = [
          on('data.changed', (change) => this.#ownWrites.receive(change)),
          on('menu.command', ({ command }) => {
            // While a note is being written, the menu's Undo belongs to the text field.
            if (command === 'edit.undo' && !this.editingNote) this.undo('menu');
          }),
        ];
        return () => stops.forEach((stop) => stop());
      }),
    );
  }

  get #task() {
    return session.project!.task;
  }

  get #image() {
    return this.onScreen.image;
  }

  /** The viewer now shows this image's picture: the screen caught up with the keys. */
  shown(imageId: number): void {
    this.#queue.shown(imageId);
  }

  say(tone: Status['tone'], text: string): void {
    this.status = { tone, text };
  }

  // ——— Moving ———

  /** Whether Review may leave this image now; says why not when it may not. */
  #mayLeave(): boolean {
    if (this.saving || this.#queue.length > 0) this.say('info', 'Saving… one moment.');
    else if (this.editingNote) {
      this.say('info', 'Save the note (Enter) or cancel it (Esc) before leaving this image.');
      this.parts.openNoteEditor();
    } else return true;
    return false;
  }

  open(imageId: number): void {
    if (!this.#mayLeave()) return;
    this.#queue.moved();
    this.justSaved = null;
    // A message about the image left behind would read as if it were about this one.
    if (this.status?.tone !== 'error') this.status = null;
    session.imageId = imageId;
  }

  go(direction: 'previous' | 'next'): void {
    const { position, leftView } = this.onScreen;
    if (!position || !this.#mayLeave()) return;
    const target = direction === 'next' ? position.nextId : position.previousId;
    if (target !== null) return this.open(target);
    this.say('info', noImageThatWay(direction, position, leftView));
  }

  /** E: the same patient's other eye. */
  openFellowEye(): void {
    if (this.#image?.fellowEyeId != null) this.open(this.#image.fellowEyeId);
    else this.say('info', 'This patient has no other image in the project.');
  }

  /** Back to the Library, or to Triage when Review follows the triage queue (the work queue was opened from the Library). */
  backToLibrary(): void {
    if (!this.#mayLeave()) return;
    this.#queue.moved();
    leaveReview(this.#image?.id ?? null, this.onScreen.position, this.onScreen.leftView);
  }

  /** Esc: with the note still open (its field lost the focus), cancels the note first. */
  escape(): void {
    if (this.editingNote) this.editingNote = false;
    else this.backToLibrary();
  }

  /** A click is aimed at the image on screen, even after keys ran past the last image. */
  clicked(): void {
    this.#queue.moved();
  }

  // ——— Grading keys ———

  /** Why a key cannot be queued (no reader), or null when it can. */
  #readerMissing(what: string): Status | null {
    if (session.reader) return null;
    return { tone: 'error', text: `Choose a reader before ${what}: every change is recorded under a reader’s name. Use the Reader button at the top right.` };
  }

  /**
   * Queues a key that changes an image. With nothing queued it applies to the image on screen; typed
   * ahead, it applies where the keys before it leave off (see GradingQueue). None is dropped.
   */
  #enqueue(key: QueuedKey): void {
    // The image Review is on, even while its picture is still loading: the reader opened it to change it.
    const onScreen = session.imageId ?? this.#image?.id;
    if (onScreen === undefined) return;
    const advances = key.kind === 'grade' && this.advanceAfterGrading && this.#task.kind !== 'multilabel';
    this.#queue.enqueue(key, onScreen, { advances, targeted: key.kind !== 'undo' });
  }

  chooseLabel(index: number): void {
    const refusal = this.#readerMissing('grading');
    if (refusal) return void (this.status = refusal);
    // A key with no grade behind it is refused at once: it would not apply to any image.
    const keyed = labelForDigit(this.#task, index, null);
    if ('problem' in keyed) return this.say('error', keyed.problem);
    if (this.#image && !this.#queue.busy && this.#image.status === 'error') return this.say('error', 'This file could not be imported, so it cannot be graded.');
    this.#enqueue({ kind: 'grade', digit: index });
  }

  toggleUngradable(): void {
    const refusal = this.#readerMissing('marking an image ungradable');
    if (refusal) return void (this.status = refusal);
    if (this.saving) return this.say('info', STILL_SAVING);
    this.#enqueue({ kind: 'ungradable' });
  }

  async #performKey(key: QueuedKey, imageId: number | null): Promise<{ landedOn?: number } | void> {
    const reader = session.reader;
    if (!reader) throw new Error('No reader is chosen.');
    if (key.kind === 'undo') return { landedOn: await this.#performUndo() };
    const id = imageId!;
    if (key.kind === 'ungradable') {
      const before = await this.onScreen.detail(id);
      const change = await this.#ownWrites.write(
        () => call('images.setUngradable', { imageId: id, ungradable: !before.ungradable, readerId: reader.id }),
        (answer) => (answer.event ? [answer.event.id] : []),
      );
      if (change.event) rememberForUndo([change.event.id]);
      this.onScreen.applyChange(change, 'flag');
      const name = change.image.fileName;
      this.say('ok', change.image.ungradable ? `${name} is marked ungradable. Ctrl+Z undoes it.` : `${name} is no longer marked ungradable.`);
      return;
    }
    const task = this.#task;
    const keyed = labelForDigit(task, key.digit, task.kind === 'multilabel' ? ((await this.onScreen.detail(id)).label?.value ?? null) : null);
    if ('problem' in keyed) throw new Error(keyed.problem);
    if (this.#image?.id === id) this.savingLabel = key.digit;
    try {
      const change = await this.#ownWrites.write(() => call('labels.record', { imageId: id, value: keyed.value, readerId: reader.id }), (answer) => [answer.event.id]);
      rememberForUndo([change.event.id]);
      this.onScreen.applyChange(change, 'label');
      if (this.#image?.id === id && change.event.value !== null) this.justSaved = id;
    } finally {
      this.savingLabel = null;
    }
  }

  /** The reader has read what was not saved: keys apply to the image on screen again. */
  dismissProblems(): void {
    this.problems = [];
    this.#queue.moved();
  }

  #addProblem(text: string, imageId: number | null): void {
    this.problems = [...this.problems, { id: ++this.#problemCount, text, imageId }];
    this.say('error', text);
  }

  async #reportKey(report: QueueReport<QueuedKey>): Promise<void> {
    void this.onScreen.checkPlace();
    const task = this.#task;
    const words = keyWords(task, report.action);
    const more = report.remaining > 0 ? ` ${report.remaining} more key${report.remaining === 1 ? '' : 's'} saving…` : '';
    if (report.kind === 'no-image') {
      const text = `${words} was not saved: there is no image after ${await this.onScreen.nameOf(report.after)} in this view.`;
      return this.#addProblem(`${text} Keys are paused until you dismiss this or move to another image (a click on a grade still applies).`, null);
    }
    if (report.kind === 'failed') {
      const where = report.imageId === null ? '' : ` for ${await this.onScreen.nameOf(report.imageId)}`;
      const keeps = report.imageId === null ? '' : ' It keeps its previous value; open it to try again.';
      return this.#addProblem(`Not saved: ${words}${where}. ${message(report.error)}${keeps}`, report.imageId);
    }
    if (report.action.kind !== 'grade' || report.imageId === null) return;
    const saved = `Saved ${words} for ${await this.onScreen.nameOf(report.imageId)}.`;
    if (task.kind === 'multilabel') this.say('ok', `${saved} Toggle more labels, or press → for the next image.`);
    else if (!this.advanceAfterGrading) this.say('ok', saved);
    else if (report.nextId === null) this.say('ok', `${saved} ${afterLastImage()}`);
    else this.say('ok', `${saved}${more}`);
  }

  // ——— Notes, suggestions, undo ———

  async saveNote(note: string | null): Promise<void> {
    const target = this.#image;
    if (!target) return;
    const refusal = this.#readerMissing('writing a note');
    if (refusal) return void (this.status = refusal);
    this.saving = true;
    try {
      const change = await this.#ownWrites.write(
        () => call('images.setNote', { imageId: target.id, note, readerId: session.reader!.id }),
        (answer) => (answer.event ? [answer.event.id] : []),
      );
      if (change.event) rememberForUndo([change.event.id]);
      this.onScreen.applyChange(change, 'note');
      this.editingNote = false;
      const name = change.image.fileName;
      this.say('ok', note ? `Note saved for ${name}.` : `Note removed from ${name}.`);
    } catch (error) {
      this.say('error', `The note was not saved: ${message(error)} Your text is still in the field.`);
    } finally {
      this.saving = false;
    }
  }

  /** Records the nearest cases' suggested label as a model-accepted event, undoable like a grade. */
  async acceptSuggestion(): Promise<void> {
    const target = this.#image;
    if (!target) return;
    const refusal = this.#readerMissing('accepting a suggestion');
    if (refusal) return void (this.status = refusal);
    if (this.saving || this.#queue.busy) return this.say('info', STILL_SAVING);
    if (target.status === 'error') return this.say('error', 'This file could not be imported, so it cannot be graded.');
    const offer = this.parts.suggestion() ?? { ok: false as const, reason: 'The similar cases are still loading… one moment.' };
    if (!offer.ok) return this.say('info', offer.reason);
    const words = describeLabel(this.#task, offer.label);
    this.saving = true;
    this.say('info', `Accepting the neighbours’ suggestion, ${words}, for ${target.fileName}…`);
    let event: LabelEvent;
    try {
      event = await this.#ownWrites.write(
        () => call('similar.accept', { imageId: target.id, readerId: session.reader!.id, label: offer.label, minConfidence: offer.minConfidence }),
        (accepted) => [accepted.id],
      );
    } catch (error) {
      this.say('error', `Not accepted: ${message(error)} ${target.fileName} keeps its previous label.`);
      // The vote may have changed since it was shown: show the new one.
      this.parts.reloadSimilar();
      return;
    } finally {
      this.saving = false;
    }
    rememberForUndo([event.id]);
    this.say('ok', `Accepted the neighbours’ suggestion for ${target.fileName}: ${words}. Ctrl+Z undoes it.`);
    await this.onScreen.applyAccepted(event);
  }

  /** Ctrl+Z: queued behind the keys before it, so that it undoes the reader's latest action, whatever its kind. */
  undo(from: 'key' | 'menu'): void {
    // The menu's command may be the echo of the key press (see UndoGuard).
    if (!this.#undoGuard.accept(from)) return;
    const refusal = this.#readerMissing('undoing');
    if (refusal) return void (this.status = refusal);
    if (!this.#queue.busy && !undoState.available) return this.say('info', NOTHING_TO_UNDO);
    if (this.saving) return this.say('info', STILL_SAVING);
    if (this.#image) this.#queue.enqueue({ kind: 'undo' }, this.#image.id, { advances: false, targeted: false });
  }

  /** Undoes the reader's latest action; returns the image it went back to (for one image). */
  async #performUndo(): Promise<number | undefined> {
    if (!undoState.available) {
      this.say('info', NOTHING_TO_UNDO);
      return undefined;
    }
    this.say('info', 'Undoing your last change…');
    const events = await this.#ownWrites.write(undoLast, (undone) => undone.map((event) => event.id));
    if (events.length === 1) {
      const event = events[0]!;
      const restored = await call('images.get', { imageId: event.imageId });
      this.say('ok', `Undone for ${restored.fileName}: ${undoneWords(this.#task, event, restored)}.`);
      if (this.#image?.id === restored.id) await this.onScreen.refresh(restored.id);
      // Go back to the image whose change was withdrawn, so that it can be changed again.
      return restored.id;
    }
    this.say('ok', `Undone: your last grade of ${events.length} images was withdrawn.`);
    const image = this.#image;
    if (image && events.some((event) => event.imageId === image.id)) await this.onScreen.refresh(image.id);
    return undefined;
  }

  /** N: open the note, unless keys are still saving. */
  openNote(): void {
    if (this.#queue.busy) return this.say('info', 'Saving… one moment, then press N again.');
    if (this.#image && this.#image.id === session.imageId) this.parts.openNoteEditor();
  }

  // ——— View toggles ———

  togglePreprocessed(): void {
    if (this.#image?.status === 'error') this.say('info', 'This file could not be imported, so there is no picture to preprocess.');
    else this.preprocessed = !this.preprocessed;
  }

  preprocessedFailed(): void {
    this.preprocessed = false;
    this.say('error', 'The preprocessed view could not be prepared for this image; showing the original.');
  }
}
