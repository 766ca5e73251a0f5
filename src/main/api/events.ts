import { EventEmitter } from 'node:events';
import type { EventName, Events } from '../../shared/api';

/** The events main pushes to renderers: job progress and data changes. Adapters subscribe with `onAny`. */
export class ApiEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per connected window or browser tab.
    this.emitter.setMaxListeners(100);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    this.emitter.emit('event', event, payload);
  }

  /** Calls `listener` for every event; returns the unsubscribe function. */
  onAny(listener: <E extends EventName>(event: E, payload: Events[E]) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
