import { expect, test, type Page } from '@playwright/test';
import { shareDemoSession } from './support/gradedesk';

/**
 * A reader works through the triage queue of a model trained on the demo project: the most likely
 * referable patients first, graded with Review's keys, the counter going up, and the queue picking
 * up where it was after a reload.
 */
let page: Page;

shareDemoSession({ trained: true, timeoutMs: 180_000 }, (opened) => (page = opened.page));

const items = () => page.getByTestId('triage-item');
const focusedItem = () => page.locator('[data-testid="triage-item"][data-focused="true"]');
const idOf = async (locator: ReturnType<Page['locator']>) => Number(await locator.getAttribute('data-image-id'));
const counter = () => page.getByTestId('triage-counter');
const pictureShown = () =>
  page.getByTestId('review-image').evaluate((img) => {
    const picture = img as unknown as { complete: boolean; naturalWidth: number };
    return picture.complete && picture.naturalWidth > 0;
  });

test('Ctrl+4 opens Triage, the fourth tab, which lists every image by the chance of referable DR, highest first, with the score in words', async () => {
  await page.keyboard.press('Control+4');
  await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Triage' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('triage-orders').locator('[data-order="referable"]')).toHaveAttribute('aria-pressed', 'true');
  await expect(items()).toHaveCount(60);
  await expect(counter()).toHaveAttribute('data-reviewed', '0');
  await expect(counter()).toHaveAttribute('data-remaining', '60');
  await expect(counter()).toContainText('0 reviewed · 60 remaining of 60');

  const scores = await page.getByTestId('triage-score').evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-score'))));
  expect(scores).toHaveLength(60);
  for (let i = 1; i < scores.length; i++) expect(scores[i]!, `score ${i + 1}`).toBeLessThanOrEqual(scores[i - 1]!);
  await expect(page.getByTestId('triage-score').first()).toHaveText(/^chance of referable DR (0\.\d\d|> 0\.99)$/);
  await expect(items().first()).toContainText('Reader:');
  await expect(items().first()).toContainText('Model: grade');
  await expect(items().first().locator('img')).toHaveAttribute('src', /thumbnail/);
});

test('grading the focused image with a digit in Review moves on along the queue, and the counter goes up', async () => {
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(focusedItem()).toHaveAttribute('data-index', '2');
  const third = await idOf(items().nth(2));
  const fourth = await idOf(items().nth(3));
  expect(await idOf(focusedItem())).toBe(third);

  await page.keyboard.press('Enter');
  await expect(page.getByTestId('review-image')).toHaveAttribute('data-image-id', String(third));
  await expect(page.getByTestId('review-position')).toHaveText('3 of 60 remaining · 0 reviewed');
  // Review grades only a picture the reader has seen.
  await expect.poll(pictureShown).toBe(true);
  await page.keyboard.press('3');
  // Saved, then Review moves on to the image that followed it in the queue.
  await expect(page.getByTestId('review-image')).toHaveAttribute('data-image-id', String(fourth), { timeout: 10_000 });
  await expect(page.getByTestId('review-position')).toHaveText('3 of 59 remaining · 1 reviewed');

  await page.keyboard.press('Escape');
  await expect(counter()).toHaveAttribute('data-reviewed', '1');
  await expect(counter()).toHaveAttribute('data-remaining', '59');
  await expect(items()).toHaveCount(59);
  await expect(page.locator(`[data-testid="triage-item"][data-image-id="${third}"]`)).toHaveCount(0);
  expect(await idOf(focusedItem())).toBe(fourth);
});

test('after a reload the queue is where the reader left it, in each order', async () => {
  await page.keyboard.press('ArrowDown');
  const left = await idOf(focusedItem());

  // Another order keeps a place of its own.
  await page.getByTestId('triage-orders').locator('[data-order="uncertainty"]').click();
  await expect(page.getByTestId('triage-score').first()).toHaveText(/^uncertainty /);
  await page.keyboard.press('End');
  const uncertaintyPlace = await idOf(focusedItem());
  await page.getByTestId('triage-orders').locator('[data-order="referable"]').click();
  await expect(page.getByTestId('triage-score').first()).toHaveText(/^chance of referable DR/);
  expect(await idOf(focusedItem())).toBe(left);

  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Triage' })).toHaveAttribute('aria-current', 'page');
  await expect(items()).toHaveCount(59);
  await expect(focusedItem()).toHaveAttribute('data-image-id', String(left));
  await expect(counter()).toHaveAttribute('data-reviewed', '1');

  await page.getByTestId('triage-orders').locator('[data-order="uncertainty"]').click();
  await expect(focusedItem()).toHaveAttribute('data-image-id', String(uncertaintyPlace));
});

test('the disagreement order puts images where reader and model differ first, and marks them', async () => {
  await page.getByTestId('triage-orders').locator('[data-order="disagreement"]').click();
  await expect(page.getByTestId('triage-score').first()).toHaveText(/^disagreement /);
  const rows = await items().evaluateAll((elements) =>
    elements.map((element) => ({ disagrees: element.getAttribute('data-disagrees') === 'true', tagged: element.querySelector('[data-testid="triage-disagrees"]') !== null })),
  );
  expect(rows.length).toBeGreaterThan(0);
  // Every marked row, then every unmarked one: no agreement sits among the disagreements.
  const firstAgreement = rows.findIndex((row) => !row.disagrees);
  if (firstAgreement >= 0) expect(rows.slice(firstAgreement).every((row) => !row.disagrees)).toBe(true);
  expect(rows.every((row) => row.tagged === row.disagrees)).toBe(true);
});
