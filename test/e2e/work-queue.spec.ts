import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { countRequests, readsOfImage } from '../../src/main/bench/request-count';
import { gradedeskCli, gradedeskCliWithInput, startGradedesk, type RunningGradedesk } from './support/gradedesk';

/** A grader on a team server grades their own work queue from the keyboard, typing ahead, in the queue's order. */
let root: string;
let dataDir: string;
let app: RunningGradedesk;
/** Ana's queue as the CLI lists it: random per person, so not the Library's order. */
let queue: number[];
const PASSWORD = 'ana-grades-retinas';

test.beforeAll(async () => {
  test.setTimeout(120_000);
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-queue-ui-'));
  dataDir = path.join(root, 'data');
  await gradedeskCli(dataDir, 'demo', '--count', '6', '--seed', '5');
  await gradedeskCliWithInput(dataDir, `${PASSWORD}\n`, 'user', 'add', 'Ana', '--role', 'grader', '--password-stdin');
  await gradedeskCli(dataDir, 'user', 'add', 'Carla', '--role', 'admin');
  await gradedeskCli(dataDir, 'protocol', 'set', '--project', 'Demo', '--reader', 'Carla', '--kind', 'double-blind', '--graders', '2');
  queue = (JSON.parse(await gradedeskCli(dataDir, '--json', 'queue', '--project', 'Demo', '--reader', 'Ana')) as { imageIds: number[] }).imageIds;
  app = await startGradedesk(dataDir);
});

test.afterAll(async () => {
  await app?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

const shownId = (page: Page) => page.getByTestId('review-image').getAttribute('data-image-id').then(Number);
const history = (page: Page, imageId: number) =>
  page.evaluate(async (id) => {
    const response = await fetch('/api/labels.history', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ imageId: id }) });
    return ((await response.json()) as { value: Array<{ id: number; readerName: string | null; source: string; value: unknown }> }).value;
  }, imageId);

test('“Grade my queue” walks the owed images in the queue’s order from the keyboard, typing ahead, then says nothing is left', async ({ page }) => {
  test.setTimeout(120_000);
  expect(queue).toHaveLength(6);
  await page.goto(app.url);
  await page.getByLabel('Name').fill('Ana');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByTestId('project-open').first().click();
  await expect(page.getByTestId('grade-my-queue')).toContainText('Grade my queue (6 owed)');

  await page.keyboard.press('q');
  await expect(page.getByTestId('review-image')).toHaveAttribute('data-kind', 'display');
  expect(await shownId(page)).toBe(queue[0]);
  await expect(page.getByTestId('review-position')).toHaveText('1 of 6 owed in your queue · 0 graded');

  // Without advancing, a grade costs one write and one read of its new place (as in Triage): it has left the queue,
  // and → goes on to the owed image after it.
  const grades = [1, 0, 2, 3, 4, 2];
  await page.getByLabel('Advance after grading').uncheck();
  const alone = await countRequests(page, async () => {
    await page.keyboard.press(String(grades[0]));
    await expect(page.getByTestId('review-position')).toHaveText(/^no longer owed \(graded\) · 5 owed, 1 graded/);
  });
  expect(alone.requests.map((request) => request.method)).toEqual(['labels.record', 'queue.locate']);
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('review-image')).toHaveAttribute('data-image-id', String(queue[1]));
  await expect(page.getByTestId('review-position')).toHaveText('1 of 5 owed in your queue · 1 graded');

  // With advancing: one write, no read of the graded image, each read of the next image once (as in the Library and Triage).
  await page.getByLabel('Advance after grading').check();
  const advancing = await countRequests(page, async () => {
    await page.keyboard.press(String(grades[1]));
    await expect(page.getByTestId('review-image')).toHaveAttribute('data-image-id', String(queue[2]));
  });
  expect(advancing.writes).toBe(1);
  expect(readsOfImage(advancing, queue[1]!)).toEqual([]);
  const reads = advancing.requests.map((request) => request.method).filter((method) => method !== 'labels.record');
  expect(new Set(reads).size).toBe(reads.length);
  expect(reads).toContain('queue.locate');
  await expect(page.getByTestId('review-position')).toHaveText('1 of 4 owed in your queue · 2 graded');

  // The other four typed ahead, without waiting for the screen.
  for (const grade of grades.slice(2)) await page.keyboard.press(String(grade));
  await expect(page.getByTestId('review-status')).toContainText('That was the last image of your queue.', { timeout: 20_000 });
  await expect(page.getByTestId('review-position')).toHaveText('Nothing left in your queue: 6 graded, none owed. Press Esc for the Library.');

  // Each image got the key typed for its place in the queue, and the grades were saved in the queue's order.
  const events = [];
  for (const imageId of queue) events.push((await history(page, imageId)).filter((event) => event.readerName === 'Ana' && event.source === 'reader'));
  expect(events.map((mine) => mine.map((event) => event.value))).toEqual(grades.map((grade) => [grade]));
  const ids = events.map((mine) => mine[0]!.id);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));

  // Back in the Library the queue is empty; opening it again says so.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('grade-my-queue')).toContainText('Grade my queue (0 owed)');
  await page.keyboard.press('q');
  await expect(page.getByRole('alert')).toHaveText('Nothing left in your queue: 6 graded, none owed. Press Esc for the Library.');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('grade-my-queue')).toBeVisible();
});

test('on one machine (no sign-in) the reader chosen in the window grades their own queue, and another reader gets theirs', async ({ browser }) => {
  test.setTimeout(120_000);
  const dir = path.join(root, 'one-machine');
  await gradedeskCli(dir, 'demo', '--count', '3', '--seed', '4');
  await gradedeskCli(dir, 'user', 'add', 'Dora', '--role', 'admin');
  await gradedeskCli(dir, 'protocol', 'set', '--project', 'Demo', '--reader', 'Dora', '--kind', 'double-blind', '--graders', '2', '--queue-order', 'file');
  const order = (JSON.parse(await gradedeskCli(dir, '--json', 'queue', '--project', 'Demo', '--reader', 'Dora')) as { imageIds: number[] }).imageIds;
  const alone = await startGradedesk(dir);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(alone.url);
    await page.getByPlaceholder('Your name').fill('Dora');
    await page.getByRole('button', { name: 'Start reading' }).click();
    await page.getByTestId('project-open').first().click();
    await expect(page.getByTestId('grade-my-queue')).toContainText('Grade my queue (3 owed)');
    await page.keyboard.press('q');
    await expect(page.getByTestId('review-image')).toHaveAttribute('data-image-id', String(order[0]));
    await page.keyboard.press('2');
    await expect(page.getByTestId('review-image')).toHaveAttribute('data-image-id', String(order[1]));
    await expect(page.getByTestId('review-position')).toHaveText('1 of 2 owed in your queue · 1 graded');
    const calls = JSON.parse(await gradedeskCli(dir, '--json', 'queue', '--project', 'Demo', '--reader', 'Dora')) as { imageIds: number[] };
    expect(calls.imageIds).toEqual(order.slice(1));
    // Erin, a second reader on the same machine, still owes all three: Dora's grade is one of the two each image needs.
    await gradedeskCli(dir, 'user', 'add', 'Erin', '--role', 'grader');
    expect((JSON.parse(await gradedeskCli(dir, '--json', 'queue', '--project', 'Demo', '--reader', 'Erin')) as { imageIds: number[] }).imageIds).toEqual(order);
  } finally {
    await alone.stop();
  }
});
