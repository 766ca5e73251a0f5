import { expect, test, type Page } from '@playwright/test';
import { countRequests, readsOfImage } from '../../src/main/bench/request-count';
import { shareDemoSession, type DemoSession } from './support/gradedesk';

/** What a grading key press costs in api requests: one write, and no read of the graded image (its answer has it all). */
let page: Page;
let session: DemoSession;

shareDemoSession({ trained: false, timeoutMs: 120_000 }, (opened) => {
  session = opened;
  page = opened.page;
});

test.beforeAll(async () => {
  await page.getByTestId('grid-cell').first().dblclick();
  await expect(page.getByTestId('review-image')).toHaveAttribute('data-kind', 'display');
});

const shownId = async () => Number(await page.getByTestId('review-image').getAttribute('data-image-id'));
const methods = (requests: Array<{ method: string }>) => requests.map((request) => request.method);

test('a grade without advancing is one write and no read, and the screen shows it from the answer', async () => {
  await page.getByLabel('Advance after grading').uncheck();
  const graded = await shownId();
  const rows = await page.getByTestId('history-row').count();
  const cost = await countRequests(page, async () => {
    await page.keyboard.press('3');
    await expect(page.getByTestId('review-status')).toContainText('Saved');
  });
  expect(methods(cost.requests)).toEqual(['labels.record']);
  expect(cost.reads).toBeLessThanOrEqual(1);
  expect(await shownId()).toBe(graded);
  await expect(page.getByTestId('current-label')).toHaveAttribute('data-value', '3');
  await expect(page.getByTestId('history-row')).toHaveCount(rows + 1);
  await expect(page.getByTestId('review-today')).toHaveText(/^1 graded today/);
});

test('with “Advance after grading”, a key press writes once and reads only the next image, each thing once', async () => {
  await page.getByLabel('Advance after grading').check();
  const graded = await shownId();
  const cost = await countRequests(page, async () => {
    await page.keyboard.press('1');
    await expect(page.getByTestId('review-image')).not.toHaveAttribute('data-image-id', String(graded));
  });
  expect(cost.writes).toBe(1);
  expect(readsOfImage(cost, graded)).toEqual([]);
  const reads = methods(cost.requests).filter((method) => method !== 'labels.record');
  expect(new Set(reads).size).toBe(reads.length);
  // The image graded a moment ago, graded again: still one image today.
  await expect(page.getByTestId('review-today')).toHaveText(/^1 graded today/);
  const next = await shownId();
  await page.keyboard.press('2');
  await expect(page.getByTestId('review-image')).not.toHaveAttribute('data-image-id', String(next));
  await expect(page.getByTestId('review-today')).toHaveText(/^2 graded today/);
});

test('a grade given in another window still shows here', async () => {
  const imageId = await shownId();
  const api = (method: string, body: object) => page.request.post(`${session.app.origin}/api/${method}`, { data: body });
  const other = (await (await api('readers.ensure', { name: 'Dr Okafor' })).json()).value as { id: number };
  expect((await api('labels.record', { imageId, value: 4, readerId: other.id })).ok()).toBe(true);
  await expect(page.getByTestId('current-label')).toHaveAttribute('data-value', '4');
  await expect(page.getByTestId('history-row').first()).toContainText('Dr Okafor');
  // Another reader's grade is not this reader's day.
  await expect(page.getByTestId('review-today')).toHaveText(/^2 graded today/);
});
