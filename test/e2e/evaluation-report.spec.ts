import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { gradedeskCli } from './support/gradedesk';

/**
 * A clinical lead opens the evaluation report a colleague sent: the file alone, in Chromium, with every
 * request watched. Its charts are drawn, its pictures shown, nothing is fetched, and it prints to PDF.
 */
let root: string;
let report: string;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-report-ui-'));
  const dataDir = path.join(root, 'data');
  await gradedeskCli(dataDir, 'demo', '--count', '60', '--seed', '5');
  await gradedeskCli(dataDir, 'train', '--project', 'Demo', '--size', '96', '--epochs', '4', '--folds', '2');
  report = path.join(root, 'report.html');
  await gradedeskCli(dataDir, 'export', 'report', '--project', 'Demo', '--out', report);
});

test.afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

test('the report file draws its charts and pictures, asks for nothing outside itself, and prints to PDF', async ({ page }) => {
  const own = pathToFileURL(report).href;
  const outside: string[] = [];
  const refused: string[] = [];
  // Every request but the file itself is refused and noted, whatever its scheme; data: pictures are the file's own.
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url === own || url.startsWith('data:')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  page.on('request', (request) => {
    const url = request.url();
    if (url !== own && !url.startsWith('data:')) outside.push(url);
  });
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
  });

  await page.goto(own);
  await expect(page.locator('h1')).toContainText('Evaluation of');

  const charts = page.locator('svg.chart');
  await expect(charts).toHaveCount(3);
  for (const kind of ['confusion', 'roc', 'calibration']) {
    const box = await page.locator(`svg[data-chart="${kind}"]`).boundingBox();
    expect(box, kind).not.toBeNull();
    expect(box!.width, kind).toBeGreaterThan(100);
    expect(box!.height, kind).toBeGreaterThan(100);
  }
  // The drawn parts, not only their frames: the ROC curve, its operating point, the matrix's cells.
  const curve = await page.locator('svg[data-chart="roc"] polyline').boundingBox();
  expect(curve!.width * curve!.height).toBeGreaterThan(0);
  expect((await page.locator('svg[data-chart="roc"] [data-point="operating"]').boundingBox())!.width).toBeGreaterThan(0);
  expect(await page.locator('svg[data-chart="confusion"] rect[data-row]').count()).toBe(25);

  // The gallery's pictures are decoded (the policy lets data: pictures in) and the page has no script.
  const pictures = page.locator('#errors img');
  expect(await pictures.count()).toBeGreaterThan(0);
  for (const width of await pictures.evaluateAll((images) => images.map((image) => (image as unknown as { naturalWidth: number }).naturalWidth))) expect(width).toBeGreaterThan(0);
  expect(await page.locator('script').count()).toBe(0);

  const pdf = await page.pdf({ format: 'A4' });
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0).toBeGreaterThanOrEqual(2);

  expect(outside).toEqual([]);
  expect(refused).toEqual([]);
});
