/**
 * Review's Grad-CAM: whether it is on, the heat map's opacity and class, and the map of the image on
 * screen (asked for with `gradcam.render`, then waited for as a job). It lives outside the view so that
 * the toggle, opacity and class stay as they are while the reader moves between images and views.
 */
import type { GradCamRender, JobSnapshot } from '../../../../shared/api';
import type { Progress } from '../../../../shared/jobs';
import { call, mediaUrl } from '../api';
import { asViewer } from './viewer';
import { errorSentence } from '../api';
import { DEFAULT_OPACITY, type GradCamChoice } from './gradcam-text';

export type GradCamShown =
  | { kind: 'off' }
  | { kind: 'computing'; imageId: number; progress: Progress | null }
  | { kind: 'ready'; imageId: number; answer: GradCamRender; input: string; heatmap: string; outline: string }
  | { kind: 'problem'; imageId: number; text: string };

/** Jobs that ended recently, for an ending that overtakes the answer that started it. */
const REMEMBERED_ENDINGS = 32;

class GradCamState {
  on = $state(false);
  /** Heat-map opacity, 0–100. */
  opacity = $state(DEFAULT_OPACITY);
  /** A coloured heat map, or its outline at two levels, which leaves the lesions under it in view. */
  style = $state<'heat' | 'outline'>('heat');
  choice = $state<GradCamChoice>('predicted');
  shown = $state<GradCamShown>({ kind: 'off' });
  /** The last answer, for the class picker's "the model predicts …" (null until one came). */
  answer = $state<GradCamRender | null>(null);

  #token = 0;
  #imageId: number | null = null;
  #waiting: { jobId: string; imageId: number; choice: GradCamChoice; answer: GradCamRender; retried: boolean } | null = null;
  #ended = new Map<string, JobSnapshot>();

  /** The overlay for the viewer while the map of `imageId` is ready, else null (the photo shows). */
  overlay(imageId: number): { input: string; heatmap: string; opacity: number } | null {
    const shown = this.shown;
    if (!this.on || shown.kind !== 'ready' || shown.imageId !== imageId) return null;
    return this.style === 'outline' ? { input: shown.input, heatmap: shown.outline, opacity: 100 } : { input: shown.input, heatmap: shown.heatmap, opacity: this.opacity };
  }

  /** Shows the map of an image (null: nothing to show), asking main for it and following its job. */
  async request(imageId: number | null, retried = false): Promise<void> {
    const token = ++this.#token;
    const choice = this.choice;
    const waiting = this.#waiting;
    // A job for an image or class no longer wanted would only hold up the next one.
    if (waiting && (waiting.imageId !== imageId || waiting.choice !== choice || !this.on)) {
      this.#waiting = null;
      call('jobs.cancel', { jobId: waiting.jobId }).catch(() => undefined);
    }
    if (!this.on || imageId === null) {
      this.shown = { kind: 'off' };
      return;
    }
    // The picker's "the model predicts …" belongs to the image it was said of.
    if (imageId !== this.#imageId) this.answer = null;
    this.#imageId = imageId;
    // The map on screen stays while its own image and class are asked for again (the cache answers at once).
    const shown = this.shown;
    const same = shown.kind === 'ready' && shown.imageId === imageId && (choice === 'predicted' ? shown.answer.classFrom !== 'request' : shown.answer.targetClass === choice);
    if (!same) this.shown = { kind: 'computing', imageId, progress: null };
    try {
      const answer = await call('gradcam.render', { imageId, ...(choice === 'predicted' ? {} : { targetClass: choice }), ...asViewer() });
      if (token !== this.#token) return;
      this.answer = answer;
      if (answer.ready || !answer.job) return this.#ready(imageId, answer);
      this.#waiting = { jobId: answer.job.id, imageId, choice, answer, retried };
      this.shown = { kind: 'computing', imageId, progress: answer.job.progress };
      const ended = this.#ended.get(answer.job.id) ?? (answer.job.state === 'running' ? null : answer.job);
      if (ended) this.#end(ended);
    } catch (error) {
      if (token === this.#token) this.shown = { kind: 'problem', imageId, text: errorSentence(error) };
    }
  }

  /** A job's progress or ending, from the `job.progress` and `job.finished` events. */
  offer(job: JobSnapshot): void {
    if (job.kind !== 'gradcam') return;
    if (job.state !== 'running') {
      this.#ended.set(job.id, job);
      if (this.#ended.size > REMEMBERED_ENDINGS) this.#ended.delete(this.#ended.keys().next().value!);
    }
    if (this.#waiting?.jobId !== job.id) return;
    if (job.state !== 'running') this.#end(job);
    else if (this.shown.kind === 'computing') this.shown = { ...this.shown, progress: job.progress };
  }

  /** The viewer could not load the map's pictures. */
  failed(imageId: number): void {
    if (this.shown.kind === 'ready' && this.shown.imageId === imageId) {
      this.shown = { kind: 'problem', imageId, text: 'The Grad-CAM pictures could not be loaded from Gradedesk; toggle Grad-CAM (G) to try again.' };
    }
  }

  #end(job: JobSnapshot): void {
    const waiting = this.#waiting!;
    this.#waiting = null;
    if (job.state === 'done') return this.#ready(waiting.imageId, waiting.answer);
    // Cancelled by a window that moved on while this one asked for the same map: ask once more.
    if (job.state === 'cancelled' && !waiting.retried) return void this.request(waiting.imageId, true);
    const why = job.state === 'cancelled' ? 'it was cancelled.' : (job.error ?? 'the engine gave no reason.');
    this.shown = { kind: 'problem', imageId: waiting.imageId, text: `The Grad-CAM could not be computed: ${why}` };
  }

  #ready(imageId: number, answer: GradCamRender): void {
    this.shown = {
      kind: 'ready',
      imageId,
      answer,
      // The colour photograph, with the map carried back onto it (registered by undoing the preprocessing).
      input: mediaUrl('display', imageId),
      heatmap: mediaUrl('gradcam-photo', imageId, { model: answer.modelId, class: answer.targetClass }),
      outline: mediaUrl('gradcam-outline', imageId, { model: answer.modelId, class: answer.targetClass }),
    };
  }
}

export const gradCam = new GradCamState();
