/** The renderer's typed client of the api table: `call('labels.record', {...})` and `on('job.progress', ...)`. */
import type { ApiError, EventName, Events, MediaKind, Method, ModelMediaQuery, RequestOf, ResponseOf } from '../../../shared/api';
import { transport } from './transport';

/** A failed call, with the code and the sentence main gave. */
export class CallError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
  get code() {
    return this.error.code;
  }
}

/** A failed call's sentence for the reader: main's own message, else the error as text. */
export const errorSentence = (error: unknown): string => (error instanceof CallError ? error.message : String(error));

export async function call<M extends Method>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
  const result = await transport.invoke(method, request);
  if (!result.ok) throw new CallError(result.error);
  return result.value as ResponseOf<M>;
}

/** Subscribes to one event; returns the unsubscribe function (call it from a component's teardown). */
export function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  return transport.subscribe((name, payload) => {
    if (name === event) listener(payload as Events[E]);
  });
}

/** An image's media by id; a model's kinds (Grad-CAM) also name the model, and the heat map its class. */
export function mediaUrl(kind: MediaKind, imageId: number, query?: ModelMediaQuery): string {
  const url = transport.mediaUrl(kind, imageId);
  if (!query) return url;
  return `${url}?model=${query.model}${query.class === undefined ? '' : `&class=${query.class}`}`;
}
