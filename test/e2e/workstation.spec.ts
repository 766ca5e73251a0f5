import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { writePlantedFolder, type PlantedFolder } from '../fixtures/images';
import { startGradedesk, type RunningGradedesk } from './support/gradedesk';

/**
 * A clinician's first session, in Debian's Chromium against browser mode with the real store and real
 * images: create a project, import a folder with its label file, scan the grid, grade five images with
 * the keyboard, undo one, reload, and find every grade and event still there.
 */
test.describe.configure({ mode: 'serial' });

let root: string;
let planted: PlantedFolder;
let app: RunningGradedesk;
let page: Page;

test.beforeAll(async ({ browser }) => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-ui-'));
  planted = await writePlantedFolder(path.join(root, 'clinic export'));
  app = await startGradedesk(path.join(root, 'data'));
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

test.afterAll(async () => {
  await page?.close();
  await app?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

const openView = (name: 'Projects' | 'Library' | 'Review') => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name }).click();
const shot = (name: string) => page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: false });
const gridTotal = async () => Number(await page.getByTestId('library-status').getAttribute('data-total'));
const reviewedImageId = async () => Number(await page.getByTestId('review-image').getAttribute('data-image-id'));

test('refuses every request that does not carry the token', async ({ request }) => {
  for (const url of ['/', '/api/app.info', '/media/thumbnail/1', '/events']) {
    const response = url.startsWith('/api') ? await request.post(app.origin + url, { data: {} }) : await request.get(app.origin + url);
    expect(response.status(), url).toBe(401);
  }
});

test('creates a project and imports a folder with its label file, listing every bad file', async () => {
  await page.goto(app.url);
  await page.getByLabel('Reader name').fill('Dr Okafor');
  await page.getByRole('button', { name: 'Start reading' }).click();
  await expect(page.getByText('Dr Okafor')).toBeVisible();

  await page.getByTestId('create-name').fill('Screening');
  await page.getByTestId('create-submit').click();
  // Creating a project opens its Library; wait for that before moving on, or the Library would open over Projects.
  await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' })).toHaveAttribute('aria-current', 'page');
  await openView('Projects');

  await page.getByTestId('import-folder').fill(planted.dir);
  await page.getByTestId('import-labels').fill(planted.labelsFile);
  await page.getByTestId('import-start').click();
  const report = page.getByTestId('import-report');
  await expect(report).toBeVisible({ timeout: 30_000 });
  const errorRows = report.getByTestId('import-error-row');
  await expect(errorRows).toHaveCount(Object.keys(planted.badFiles).length);
  for (const [file, kind] of Object.entries(planted.badFiles)) {
    await expect(errorRows.filter({ hasText: path.basename(file) })).toHaveAttribute('data-kind', kind);
  }
  await expect(report.getByTestId('report-imported')).toContainText(String(planted.goodFiles.length));
  await expect(report.getByTestId('label-problem-row')).toHaveCount(2);
  await shot('projects');
});

test('the Library shows every file with its thumbnail', async () => {
  await page.getByTestId('project-open').first().click();
  const grid = page.getByTestId('library-grid');
  await expect(grid).toBeVisible();
  await expect.poll(gridTotal).toBe(planted.goodFiles.length + Object.keys(planted.badFiles).length);
  const firstThumbnail = grid.getByTestId('grid-cell').first().locator('img');
  await expect.poll(() => firstThumbnail.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  // Only the visible part of the grid is in the page, never a node per image of a large project.
  expect(await grid.getByTestId('grid-cell').count()).toBeLessThanOrEqual(planted.goodFiles.length + 5);
  await shot('library');
});

const graded: number[] = [];

test('grades five images with the keyboard in Review, and undoes the last grade', async () => {
  await page.getByTestId('filter-unlabelled').check();
  const unlabelled = planted.goodFiles.length - 5;
  await expect.poll(gridTotal).toBe(unlabelled);
  await page.getByTestId('library-grid').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('review-image')).toBeVisible();

  for (let i = 0; i < 5; i++) {
    const before = await reviewedImageId();
    graded.push(before);
    await page.keyboard.press('3');
    // Saved, then Review moves on to the next unlabelled image.
    await expect.poll(reviewedImageId, { timeout: 10_000 }).not.toBe(before);
  }
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('review-status')).toContainText(/undo/i);
  await shot('review');
});

test('after a reload every grade and event is still there, and a filter shows exactly the graded set', async () => {
  await page.reload();
  await openView('Library');
  await page.getByTestId('filter-unlabelled').uncheck();
  await page.getByTestId('filter-label').selectOption('3');
  // The four grades kept, and the one image the label file graded 3 (10003_left).
  await expect.poll(gridTotal).toBe(5);
  const ids = await page.getByTestId('grid-cell').evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-image-id'))));
  const fromLabelFile = ids.filter((id) => !graded.includes(id));
  expect(fromLabelFile).toHaveLength(1);
  expect(ids.filter((id) => graded.includes(id)).sort()).toEqual(graded.slice(0, 4).sort());

  // The undone image: its history shows the grade and the undo.
  await page.getByTestId('filter-label').selectOption('');
  await page.getByTestId('filter-unlabelled').check();
  const undone = page.locator(`[data-testid="grid-cell"][data-image-id="${graded[4]}"]`);
  await undone.dblclick();
  await expect(page.getByTestId('review-image')).toHaveAttribute('data-image-id', String(graded[4]));
  const history = page.getByTestId('history-panel').getByTestId('history-row');
  await expect(history).toHaveCount(2);
  await expect(page.getByTestId('history-panel')).toContainText('Dr Okafor');
  await expect(page.getByTestId('current-label')).toContainText(/unlabelled/i);
});

test('Esc closes the reader picker and keeps the reader, even while its list of readers is still loading', async () => {
  // A busy machine answers slowly; the picker must take the keys from the moment it shows.
  let releaseList = () => {};
  let listAnswered = Promise.resolve();
  await page.route('**/api/readers.list', (route) => {
    listAnswered = new Promise<void>((resolve) => (releaseList = resolve)).then(() => route.continue());
    return listAnswered;
  });
  await page.getByRole('button', { name: /Reader:/ }).click();
  const picker = page.getByRole('dialog', { name: 'Who is reading?' });
  await expect(picker).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(picker).toHaveCount(0);
  releaseList();
  await listAnswered;
  await page.unroute('**/api/readers.list');
  await expect(page.getByRole('button', { name: /Reader:/ })).toContainText('Dr Okafor');
});

test('the shortcut list fits a 1280×720 window, with its Close button in view', async () => {
  await page.setViewportSize({ width: 1280, height: 720 });
  try {
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    const overlay = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect(overlay).toBeVisible();
    const fits = await overlay.evaluate((element) => element.scrollHeight <= element.clientHeight && element.getBoundingClientRect().bottom <= (globalThis as unknown as { innerHeight: number }).innerHeight);
    expect(fits).toBe(true);
    await expect(overlay.getByRole('button', { name: 'Close (Esc)' })).toBeInViewport();
    await shot('shortcuts-1280x720');
    // The words Gradedesk uses are one click away: a clinician's words first, the technical term beside.
    await overlay.getByTestId('glossary-open').click();
    const glossary = overlay.getByTestId('glossary');
    await expect(glossary).toContainText('Chance of referable DR');
    await expect(glossary).toContainText('P(referable)');
    await expect(glossary).toContainText('out-of-fold');
    await page.keyboard.press('Escape');
    await expect(overlay).toHaveCount(0);
  } finally {
    await page.setViewportSize({ width: 1400, height: 900 });
  }
});

test('a page on another port of 127.0.0.1 cannot load the images, even with the session cookie in the browser', async () => {
  const imageId = Number(await page.getByTestId('review-image').getAttribute('data-image-id'));
  const thumbnail = `${app.origin}/media/thumbnail/${imageId}`;
  // The app's own page still shows it.
  expect(await page.evaluate(async (url) => (await fetch(url)).status, thumbnail)).toBe(200);

  // Same site as the app (cookies are per host, not per port), another origin.
  const other = http.createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end(`<!doctype html><img id="probe" src="${thumbnail}">`);
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    // The same browser (and so its session cookie) opens the other page: the last test, so the app's page can go.
    await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
    // Loaded or not, the image has settled by the time the page's load event (which goto awaits) has fired.
    const probe = page.locator('#probe');
    expect(await probe.evaluate((img) => (img as { complete: boolean }).complete)).toBe(true);
    expect(await probe.evaluate((img) => (img as { naturalWidth: number }).naturalWidth)).toBe(0);
    // A no-cors fetch gets nothing either (an opaque answer would still tell that the image exists).
    const fetched = await page.evaluate((url) => fetch(url, { mode: 'no-cors', credentials: 'include' }).then(() => 'answered', () => 'blocked'), thumbnail);
    expect(fetched).toBe('blocked');
  } finally {
    other.close();
  }
});
