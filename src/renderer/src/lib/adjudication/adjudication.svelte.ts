/**
 * The Adjudication view's state: the project's referred images (decided ones included, marked), the one on
 * screen, and the decisions made here, which Ctrl+Z takes back (labels.undo writes an event restoring the label).
 */
import type { AdjudicationCase } from '../../../../shared/protocols';
import type { LabelValue } from '../../../../shared/domain';
import { call, errorSentence } from '../api';
import { session } from '../session.svelte';

export class Adjudication {
  cases = $state<AdjudicationCase[]>([]);
  index = $state(0);
  problem = $state('');
  loaded = $state(false);
  /** Decisions made in this view, the latest last. */
  #made: Array<{ imageId: number; eventId: number }> = [];

  constructor(private readonly projectId: number) {}

  get current(): AdjudicationCase | null {
    return this.cases[this.index] ?? null;
  }

  get waiting(): number {
    return this.cases.filter((item) => !item.decision).length;
  }

  async load(): Promise<void> {
    await this.#attempt('The referred images could not be listed', async () => {
      this.cases = await call('adjudication.list', { projectId: this.projectId, includeDecided: true });
      this.index = Math.max(0, this.cases.findIndex((item) => !item.decision));
      this.loaded = true;
    });
  }

  move(delta: number): void {
    if (this.cases.length) this.index = Math.min(this.cases.length - 1, Math.max(0, this.index + delta));
  }

  /** Decides the image on screen, then shows the next one still waiting. */
  async decide(value: LabelValue): Promise<void> {
    const item = this.current;
    const reader = session.reader;
    if (!item || !reader) return;
    await this.#attempt('The decision was not recorded', async () => {
      const { event } = await call('adjudication.decide', { imageId: item.imageId, value, readerId: reader.id });
      this.#made.push({ imageId: item.imageId, eventId: event.id });
      this.#setDecision(item.imageId, { value, eventId: event.id });
      const next = this.cases.findIndex((other, i) => i > this.index && !other.decision);
      if (next >= 0) this.index = next;
    });
  }

  /** Takes back the last decision made here and shows its image again. */
  async undo(): Promise<void> {
    const last = this.#made.pop();
    const reader = session.reader;
    if (!last || !reader) return;
    await this.#attempt('The decision could not be undone', async () => {
      await call('labels.undo', { eventId: last.eventId, readerId: reader.id });
      this.#setDecision(last.imageId, null);
      this.index = this.cases.findIndex((item) => item.imageId === last.imageId);
    });
  }

  #setDecision(imageId: number, decision: AdjudicationCase['decision']): void {
    this.cases = this.cases.map((item) => (item.imageId === imageId ? { ...item, decision } : item));
  }

  async #attempt(what: string, work: () => Promise<void>): Promise<void> {
    this.problem = '';
    try {
      await work();
    } catch (error) {
      this.problem = `${what}: ${errorSentence(error)}`;
    }
  }
}
