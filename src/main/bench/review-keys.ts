/**
 * Review's grading keys in the real UI: how many api requests one key press costs, writes and reads
 * apart. Chromium drives the built renderer over the real bridge on the demo project; each key press is
 * given until the page falls quiet, and the requests sent meanwhile are its cost.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { startBridge } from '../bridge/server';
import { openDemoProject } from '../demo/demo-project';
import { Workspace } from '../workspace';
import { printFigure } from './measure';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const IMAGES = 30;
const KEY_PRESSES = 8;
/** A key press is over once no api request has been in flight for this long (longer than any panel's settle delay). */
const QUIET_MS = 600;
const READER = 'Bench reader';

/** The api methods that write; every other method only reads. */
export const WRITE_METHODS = new Set(['labels.record', 'labels.recordMany', 'labels.undo', 'labels.undoMany', 'images.setUngradable', 'images.setNote', 'similar.accept']);

export interface RequestCount {
  writes: number;
  reads: number;
  methods: string[];
}

/** Counts the api requests a page sends while `act` runs and until the page falls quiet. */
export async function countRequests(page: Page, act: () => Promise<void>, quietMs = QUIET_MS): Promise<RequestCount> {
  const methods: string[] = [];
  let inFlight = 0;
  let lastActivity = Date.now();
  const apiMethod = (url: string) => /\/api\/([^/?]+)$/.exec(new URL(url).pathname)?.[1];
  const sent = (request: { url(): string }) => {
    const method = apiMethod(request.url());
    if (!method) return;
    methods.push(decodeURIComponent(method));
    inFlight++;
    lastActivity = Date.now();
  };
  const ended = (request: { url(): string }) => {
    if (!apiMethod(request.url())) return;
    inFlight--;
    lastActivity = Date.now();
  };
  page.on('request', sent);
  page.on('requestfinished', ended);
  page.on('requestfailed', ended);
  try {
    await act();
    while (inFlight > 0 || Date.now() - lastActivity < quietMs) await new Promise((resolve) => setTimeout(resolve, 25));
  } finally {
    page.off('request', sent);
    page.off('requestfinished', ended);
    page.off('requestfailed', ended);
  }
  const writes = methods.filter((method) => WRITE_METHODS.has(method)).length;
  return { writes, reads: methods.length - writes, methods };
}

const shownImage = async (page: Page) => Number(await page.getByTestId('review-image').getAttribute('data-image-id'));

async function waitForImage(page: Page, different: number | null): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 30_000; await new Promise((r) => setTimeout(r, 20))) {
    const kind = await page.getByTestId('review-image').getAttribute('data-kind').catch(() => null);
    if (kind === 'display' && (different === null || (await shownImage(page)) !== different)) return;
  }
  throw new Error('Review did not show the next image within 30 s.');
}

/** Grades KEY_PRESSES images by key, one by one, and returns each key press's requests. */
async function gradeByKeys(page: Page, advance: boolean): Promise<RequestCount[]> {
  const counts: RequestCount[] = [];
  for (let i = 0; i < KEY_PRESSES; i++) {
    const before = await shownImage(page);
    const digit = String(i % 5);
    counts.push(
      await countRequests(page, async () => {
        await page.keyboard.press(digit);
        if (advance) await waitForImage(page, before);
        else await page.getByTestId('review-status').filter({ hasText: /^Saved / }).waitFor();
      }),
    );
    if (!advance) {
      // Onwards by hand, not counted: the next key press grades another image, as a reader would.
      await page.keyboard.press('ArrowRight');
      await waitForImage(page, before);
      await countRequests(page, async () => undefined);
    }
  }
  return counts;
}

function report(what: string, counts: RequestCount[]): void {
  if (process.env.GRADEDESK_BENCH_VERBOSE) counts.forEach((count, i) => process.stdout.write(`  key ${i + 1}: ${count.methods.join(', ')}\n`));
  const mean = (pick: (count: RequestCount) => number) => counts.reduce((sum, count) => sum + pick(count), 0) / counts.length;
  const reads = new Map<string, number>();
  for (const method of counts.flatMap((count) => count.methods).filter((method) => !WRITE_METHODS.has(method))) reads.set(method, (reads.get(method) ?? 0) + 1);
  const readList = [...reads].map(([method, n]) => `${method} ×${(n / counts.length).toFixed(2)}`).join(', ') || 'none';
  printFigure({ name: `Review, ${what}: api writes per grading key press`, value: mean((count) => count.writes), unit: 'writes', goal: '1', met: mean((count) => count.writes) === 1 });
  printFigure({ name: `Review, ${what}: api reads per grading key press (${readList})`, value: mean((count) => count.reads), unit: 'reads' });
}

export async function benchReviewKeys(scratch: string): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    process.stdout.write(`(Review key benchmark skipped: ${CHROMIUM} not found; apt-get install chromium)\n`);
    return;
  }
  const workspace = Workspace.open(path.join(scratch, 'review-data'));
  const { project } = await openDemoProject(workspace, { count: IMAGES, seed: 5 });
  workspace.store.readers.ensure(READER);
  // out/renderer, seen from out/main/bench.js or from the chunk this module is bundled into.
  const rendererDir = ['../renderer', '../../renderer'].map((relative) => fileURLToPath(new URL(relative, import.meta.url))).find((dir) => fs.existsSync(path.join(dir, 'index.html')));
  if (!rendererDir) throw new Error('The UI is not built; run `npm run build` first.');
  const bridge = await startBridge({ workspace, rendererDir, version: 'bench' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const place = { projectId: project.id, view: 'library', imageId: null, library: { filter: {}, sort: 'name', descending: false, focusIndex: 0 } };
    await context.addInitScript(`localStorage.setItem('gradedesk.reader', ${JSON.stringify(READER)}); localStorage.setItem('gradedesk.place', ${JSON.stringify(JSON.stringify(place))});`);
    const page = await context.newPage();
    await page.goto(bridge.url);
    await page.getByTestId('grid-cell').first().dblclick();
    await waitForImage(page, null);
    await countRequests(page, async () => undefined);

    const advance = page.getByLabel('Advance after grading');
    await advance.uncheck();
    report('grading without advancing (the grade alone)', await gradeByKeys(page, false));
    await advance.check();
    report('grading with "Advance after grading" (the grade and opening the next image)', await gradeByKeys(page, true));
  } finally {
    await browser.close();
    await bridge.close();
    await workspace.close();
  }
}
