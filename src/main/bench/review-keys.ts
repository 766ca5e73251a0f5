/**
 * Review's grading keys in the real UI: how many api requests one key press costs, writes and reads
 * apart. Chromium drives the built renderer over the real bridge on the demo project; each key press is
 * given until the page falls quiet, and the requests sent meanwhile are its cost.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { startBridge } from '../bridge/server';
import { openDemoProject } from '../app/demo';
import { Workspace } from '../app/workspace';
import { builtRendererDir } from './built-renderer';
import { printFigure } from './measure';
import { countRequests, readsOfImage, WRITE_METHODS, type RequestCount } from './request-count';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const IMAGES = 30;
const KEY_PRESSES = 8;
const READER = 'Bench reader';

const shownImage = async (page: Page) => Number(await page.getByTestId('review-image').getAttribute('data-image-id'));

async function waitForImage(page: Page, different: number | null): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 30_000; await new Promise((r) => setTimeout(r, 20))) {
    const kind = await page.getByTestId('review-image').getAttribute('data-kind').catch(() => null);
    if (kind === 'display' && (different === null || (await shownImage(page)) !== different)) return;
  }
  throw new Error('Review did not show the next image within 30 s.');
}

interface KeyPress {
  /** The image the key graded. */
  graded: number;
  cost: RequestCount;
}

/** Grades KEY_PRESSES images by key, one by one; without advancing, → moves on (its cost kept apart, as the baseline of opening an image). */
async function gradeByKeys(page: Page, advance: boolean): Promise<{ presses: KeyPress[]; arrows: RequestCount[] }> {
  const presses: KeyPress[] = [];
  const arrows: RequestCount[] = [];
  for (let i = 0; i < KEY_PRESSES; i++) {
    const graded = await shownImage(page);
    const digit = String(i % 5);
    const cost = await countRequests(page, async () => {
      await page.keyboard.press(digit);
      if (advance) await waitForImage(page, graded);
      else await page.getByTestId('review-status').filter({ hasText: /^Saved / }).waitFor();
    });
    presses.push({ graded, cost });
    if (!advance) {
      arrows.push(
        await countRequests(page, async () => {
          await page.keyboard.press('ArrowRight');
          await waitForImage(page, graded);
        }),
      );
    }
  }
  return { presses, arrows };
}

const mean = <T>(items: T[], pick: (item: T) => number) => items.reduce((sum, item) => sum + pick(item), 0) / items.length;

function readList(costs: RequestCount[]): string {
  const reads = new Map<string, number>();
  for (const request of costs.flatMap((cost) => cost.requests).filter((request) => !WRITE_METHODS.has(request.method))) {
    reads.set(request.method, (reads.get(request.method) ?? 0) + 1);
  }
  return [...reads].map(([method, n]) => `${method} ×${(n / costs.length).toFixed(2)}`).join(', ') || 'none';
}

function report(what: string, presses: KeyPress[]): void {
  if (process.env.GRADEDESK_BENCH_VERBOSE) presses.forEach(({ cost }, i) => process.stdout.write(`  key ${i + 1}: ${cost.requests.map((request) => request.method).join(', ')}\n`));
  const costs = presses.map((press) => press.cost);
  const writes = mean(costs, (cost) => cost.writes);
  printFigure({ name: `Review, ${what}: api writes per grading key press`, value: writes, unit: 'writes', goal: '1', met: writes === 1 });
  printFigure({ name: `Review, ${what}: api reads per grading key press (${readList(costs)})`, value: mean(costs, (cost) => cost.reads), unit: 'reads' });
  const ofGraded = mean(presses, (press) => readsOfImage(press.cost, press.graded).length);
  printFigure({ name: `Review, ${what}: reads of the graded image itself per key press`, value: ofGraded, unit: 'reads', goal: '≤ 1', met: ofGraded <= 1 });
}

export async function benchReviewKeys(scratch: string): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    process.stdout.write(`(Review key benchmark skipped: ${CHROMIUM} not found; apt-get install chromium)\n`);
    return;
  }
  const workspace = Workspace.open(path.join(scratch, 'review-data'));
  const { project } = await openDemoProject(workspace, { count: IMAGES, seed: 5 });
  workspace.store.readers.ensure(READER);
  const bridge = await startBridge({ workspace, rendererDir: builtRendererDir(), version: 'bench' });
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
    const alone = await gradeByKeys(page, false);
    report('grading without advancing (the grade alone)', alone.presses);
    printFigure({ name: `Review, → to the next image, for comparison (${readList(alone.arrows)})`, value: mean(alone.arrows, (cost) => cost.reads), unit: 'reads' });
    await advance.check();
    report('grading with "Advance after grading" (the grade, then opening the next image)', (await gradeByKeys(page, true)).presses);
  } finally {
    await browser.close();
    await bridge.close();
    await workspace.close();
  }
}
