/**
 * Counts the api requests a page sends for one action: what a key press in Review costs. Shared by the
 * review-keys benchmark and the end-to-end test that keeps the count from growing back.
 */
import type { Page, Request } from '@playwright/test';

/** An action is over once no api request has been in flight for this long (longer than any panel's settle delay). */
const QUIET_MS = 600;

/** The api methods that write; every other method only reads. */
export const WRITE_METHODS = new Set(['labels.record', 'labels.recordMany', 'labels.undo', 'labels.undoMany', 'images.setUngradable', 'images.setNote', 'similar.accept']);

export interface RequestCount {
  writes: number;
  reads: number;
  /** Every api request, in the order sent, with the body it carried. */
  requests: Array<{ method: string; body: Record<string, unknown> }>;
}

const apiMethod = (url: string) => /^\/api\/([^/?]+)$/.exec(new URL(url).pathname)?.[1];

/** Counts the api requests a page sends while `act` runs and until the page falls quiet. */
export async function countRequests(page: Page, act: () => Promise<void>, quietMs = QUIET_MS): Promise<RequestCount> {
  const requests: RequestCount['requests'] = [];
  const inFlight = new Set<Request>();
  let lastActivity = Date.now();
  const sent = (request: Request) => {
    const method = apiMethod(request.url());
    if (!method) return;
    requests.push({ method: decodeURIComponent(method), body: (request.postDataJSON() ?? {}) as Record<string, unknown> });
    inFlight.add(request);
    lastActivity = Date.now();
  };
  const ended = (request: Request) => {
    if (inFlight.delete(request)) lastActivity = Date.now();
  };
  page.on('request', sent);
  page.on('requestfinished', ended);
  page.on('requestfailed', ended);
  try {
    await act();
    while (inFlight.size > 0 || Date.now() - lastActivity < quietMs) await new Promise((resolve) => setTimeout(resolve, 25));
  } finally {
    page.off('request', sent);
    page.off('requestfinished', ended);
    page.off('requestfailed', ended);
  }
  const writes = requests.filter((request) => WRITE_METHODS.has(request.method)).length;
  return { writes, reads: requests.length - writes, requests };
}

/** The requests that read something of the graded image itself (after a grade, all of that is in the write's answer). */
export const readsOfImage = (cost: RequestCount, imageId: number) =>
  cost.requests.filter((request) => !WRITE_METHODS.has(request.method) && request.body.imageId === imageId);
