import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { writeJpeg } from '../fixtures/images';
import { gradedeskCli, startGradedesk, type RunningGradedesk } from './support/gradedesk';

/**
 * Double reading in Debian's Chromium: two readers grade the same ten photographs with the keyboard, one after
 * the other in one browser, and the Agreement view (Ctrl+7) shows the κ worked out by hand below.
 */
test.describe.configure({ mode: 'serial' });

// Grades in the Library's order. They agree on 7 of 10: p_o = 0.7. Ann gives each grade twice; Ben gives 0, 1, 2, 3, 4
// 1, 3, 2, 2, 2 times, so p_e = (2·1 + 2·3 + 2·2 + 2·2 + 2·2)/100 = 0.2 and κ = (0.7 − 0.2)/(1 − 0.2) = 0.625.
// Quadratic: the three disagreements are one grade apart, observed Σ (i−j)² = 3; expected Σ (i−j)² r_i c_j / n
// = (2/10) Σ_j c_j Σ_i (i−j)² = 0.2 (1·30 + 3·15 + 2·10 + 2·15 + 2·30) = 37; κ_w = 1 − 3/37 = 0.919.
const ANN = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4];
const BEN = [0, 1, 1, 1, 2, 3, 3, 2, 4, 4];

let root: string;
let app: RunningGradedesk;
let page: Page;
const order: number[] = [];

test.beforeAll(async ({ browser }) => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-agreement-ui-'));
  const folder = path.join(root, 'photographs');
  for (let i = 0; i < ANN.length; i++) await writeJpeg(path.join(folder, `eye${String(i + 1).padStart(2, '0')}.jpeg`), i + 1, 96, 72);
  const dataDir = path.join(root, 'data');
  await gradedeskCli(dataDir, 'project', 'create', 'Double reading');
  await gradedeskCli(dataDir, 'import', folder, '--project', 'Double reading');
  app = await startGradedesk(dataDir);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(app.url);
  await page.getByPlaceholder('Your name').fill('Ann');
  await page.getByRole('button', { name: 'Start reading' }).click();
  await page.getByTestId('project-open').first().click();
});

test.afterAll(async () => {
  await page?.close();
  await app?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

const shownId = async () => Number(await page.getByTestId('review-image').getAttribute('data-image-id'));

/** From the Library's first image, one key per image; Review moves on after each grade. */
async function gradeAll(grades: number[]): Promise<number[]> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' }).click();
  await page.getByTestId('grid-cell').first().dblclick();
  await expect(page.getByTestId('review-image')).toBeVisible();
  const visited: number[] = [];
  for (const [i, grade] of grades.entries()) {
    const before = await shownId();
    visited.push(before);
    await page.keyboard.press(String(grade));
    if (i < grades.length - 1) await expect.poll(shownId, { timeout: 10_000 }).not.toBe(before);
    else await expect(page.getByTestId('review-status')).toContainText('last image');
  }
  return visited;
}

test('with one reader, the Agreement view says there is no one to compare with', async () => {
  order.push(...(await gradeAll(ANN)));
  expect(new Set(order).size).toBe(ANN.length);
  await page.keyboard.press('Control+7');
  await expect(page.getByTestId('agreement-view')).toBeVisible();
  await expect(page.getByTestId('agreement-pairs-empty')).toHaveText('Only one grader (Ann) has graded this project: there is no second grader to compare with.');
});

test('after a second reader grades the same images, it shows the κ worked out by hand', async () => {
  await page.getByTitle('Change reader').click();
  await page.getByLabel('Reader name').fill('Ben');
  await page.getByRole('button', { name: 'Start reading' }).click();
  await expect(page.getByTitle('Change reader')).toContainText('Ben');
  // The same images in the same order, so each carries both readers' grades as tabled above.
  expect(await gradeAll(BEN)).toEqual(order);

  await page.keyboard.press('Control+7');
  const pair = page.getByTestId('agreement-pairs').locator('tr[data-pair="Ann|Ben"]');
  await expect(pair.getByTestId('pair-kappa')).toHaveText('0.625');
  await expect(pair.getByTestId('pair-quadratic-kappa')).toHaveText('0.919');
  await expect(pair.locator('td').first()).toHaveText('10');
  // Ben graded last, so the final labels are his: Ann against them is the same κ; Ben is not compared with himself.
  const final = page.getByTestId('agreement-final');
  await expect(final.locator('tr[data-grader="Ann"]').getByTestId('final-kappa')).toHaveText('0.625');
  await expect(final.locator('tr[data-grader="Ben"]')).toHaveCount(0);
  // Ann's row of the confusion: her two 0s were 0 and 1 for Ben.
  const firstRow = page.getByTestId('confusion-matrix').locator('tbody tr').first().locator('td.cell');
  await expect(firstRow).toHaveText(['1', '1', '0', '0', '0']);
  await expect(page.getByTestId('agreement-weekly').locator('tr[data-who="Ann – Ben"]')).not.toHaveCount(0);
  await expect(page.getByTestId('agreement-notes')).toContainText('no active model');

  // Keyboard: the pair's Confusion button is reached with Tab and pressed with Enter.
  const confusion = pair.getByRole('button', { name: 'Confusion' });
  await page.getByTestId('agreement-refresh').focus();
  for (let i = 0; i < 10 && !(await confusion.evaluate((el) => el.matches(':focus'))); i++) await page.keyboard.press('Tab');
  await expect(confusion).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(confusion).toHaveAttribute('aria-pressed', 'true');
  await page.screenshot({ path: test.info().outputPath('agreement.png'), fullPage: true });
});

test('grades made over the api while the view is open change the figures without a reload, measured once for the burst', async () => {
  const pair = page.getByTestId('agreement-pairs').locator('tr[data-pair="Ann|Ben"]');
  await expect(pair.getByTestId('pair-kappa')).toHaveText('0.625');
  await page.evaluate(() => ((globalThis as { sameDocument?: boolean }).sameDocument = true));
  const measured: string[] = [];
  page.on('request', (request) => void (request.url().endsWith('/api/agreement.summary') && measured.push(request.url())));

  // Another window (the CLI, a grader elsewhere) corrects Ben's second image from 1 to Ann's 0, and grades two images again
  // as they were, all at once. Ben now agrees on 8 of 10 and gives each grade twice: p_e = 0.2, κ = (0.8 − 0.2)/0.8 = 0.75.
  // Quadratic: two disagreements one grade apart (observed 2); expected Σ (i−j)² · 2 · 2 / 10 = 0.4 · 100 = 40; κ_w = 1 − 2/40 = 0.95.
  const api = (method: string, data: object) => page.request.post(`${app.origin}/api/${method}`, { data });
  const ben = (await (await api('readers.ensure', { name: 'Ben' })).json()).value as { id: number };
  const answers = await Promise.all([[order[1]!, 0], [order[0]!, 0], [order[2]!, 1]].map(([imageId, value]) => api('labels.record', { imageId, value, readerId: ben.id })));
  expect(answers.every((answer) => answer.ok())).toBe(true);

  await expect(pair.getByTestId('pair-kappa')).toHaveText('0.750');
  await expect(pair.getByTestId('pair-quadratic-kappa')).toHaveText('0.950');
  await expect(page.getByTestId('agreement-final').locator('tr[data-grader="Ann"]').getByTestId('final-kappa')).toHaveText('0.750');
  // Against the final label by week: Ann calls referable (≥ 2) exactly the six images Ben's final labels call referable.
  const annWeeks = page.getByTestId('agreement-weekly').locator('tr[data-who="Ann vs final label"]');
  await expect(annWeeks.first().getByTestId('weekly-sensitivity')).toHaveText('100.0%');
  await expect(annWeeks.first().getByTestId('weekly-specificity')).toHaveText('100.0%');
  expect(await page.evaluate(() => (globalThis as { sameDocument?: boolean }).sameDocument)).toBe(true);
  // Three grades, one measurement: the view waits for the burst to end.
  await page.waitForTimeout(1_000);
  expect(measured).toHaveLength(1);
});
