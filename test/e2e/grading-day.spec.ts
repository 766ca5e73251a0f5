import { expect, test, type Page } from '@playwright/test';
import { shareDemoSession } from './support/gradedesk';

/** What a grading day needs beside the keys: the fellow eye one key away, a counter, honest warnings, a fresh status line. */
let page: Page;

shareDemoSession({ trained: false, timeoutMs: 120_000 }, (opened) => (page = opened.page));

test.beforeAll(async () => {
  await page.getByTestId('grid-cell').first().dblclick();
  await expect(page.getByTestId('review-image')).toHaveAttribute('data-kind', 'display');
});

const shownId = async () => Number(await page.getByTestId('review-image').getAttribute('data-image-id'));
const facts = () => page.locator('.facts');

test('E opens the same patient’s other eye, and E again comes back', async () => {
  const first = await shownId();
  const group = await facts().locator('dd').first().textContent();
  const eye = await facts().locator('dd').nth(1).textContent();
  await page.keyboard.press('e');
  await expect(page.getByTestId('review-image')).not.toHaveAttribute('data-image-id', String(first));
  await expect(facts().locator('dd').first()).toHaveText(group!);
  await expect(facts().locator('dd').nth(1)).not.toHaveText(eye!);
  await page.keyboard.press('e');
  await expect(page.getByTestId('review-image')).toHaveAttribute('data-image-id', String(first));
});

test('the counter says how many images the reader graded today and how many are left in the view', async () => {
  await expect(page.getByTestId('review-today')).toHaveText(/^0 graded today · \d+ left$/);
  const left = Number(/· (\d+) left/.exec((await page.getByTestId('review-today').textContent())!)![1]);
  await page.keyboard.press('2');
  await expect(page.getByTestId('review-today')).toHaveText(`1 graded today · ${left - 1} left`);
});

test('a photograph far below diagnostic resolution carries a warning', async () => {
  // The demo's photographs are a few hundred pixels across.
  await expect(page.getByTestId('low-resolution')).toContainText('Low resolution');
});

test('moving to another image clears a message about the last one', async () => {
  await page.keyboard.press('u');
  await expect(page.getByTestId('review-status')).toContainText('ungradable');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('review-status')).not.toContainText('ungradable');
});
