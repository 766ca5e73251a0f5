import { expect, test, type Page } from '@playwright/test';
import { gradedeskCli, shareDemoSession, type DemoSession } from './support/gradedesk';

/**
 * A grading day's label safety (issue 10, items 1–5), in Debian's Chromium against browser mode on the
 * demo project: keys typed ahead land on the images they were pressed on, U and notes are audited and
 * undone in order, an undo to an imported value says so, and bulk grading confirms with the count of
 * grades it replaces. What was saved is read back through the CLI, not only from the screen.
 */
let session: DemoSession;
let page: Page;

shareDemoSession({ trained: false, timeoutMs: 120_000 }, (opened) => {
  session = opened;
  page = opened.page;
});

interface CliEvent {
  id: number;
  kind?: string;
  readerName: string | null;
  source: string;
  value: unknown;
  previousValue: unknown;
}

const picture = () => page.getByTestId('review-image');
const reviewedId = async () => Number(await picture().getAttribute('data-image-id'));
const openView = (name: 'Library' | 'Review') => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name }).click();
/** The Library's images in its order (by name). */
async function gridIds(): Promise<number[]> {
  await openView('Library');
  await expect(page.getByTestId('grid-cell').first()).toBeVisible();
  return page.getByTestId('grid-cell').evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-image-id'))));
}

async function historyOf(imageId: number): Promise<CliEvent[]> {
  const out = await gradedeskCli(session.app.dataDir, 'history', String(imageId), '--project', 'Demo', '--json');
  return (JSON.parse(out) as { events: CliEvent[] }).events;
}
const byEllis = async (imageId: number) => (await historyOf(imageId)).filter((event) => event.readerName === 'Dr Ellis');

/** Opens an image of the Library in Review and waits until its picture is on screen. */
async function review(imageId: number) {
  await openView('Library');
  await page.locator(`[data-testid="grid-cell"][data-image-id="${imageId}"]`).dblclick();
  await expect(picture()).toHaveAttribute('data-image-id', String(imageId));
  await expect(picture()).toHaveAttribute('data-kind', 'display');
  await expect(picture()).not.toHaveClass(/pending/);
}

test('grades typed ahead at 150 ms intervals land, in order, on the images they were pressed on', async () => {
  const ids = (await gridIds()).slice(0, 5);
  await review(ids[0]!);
  for (const key of ['1', '2', '3', '0']) {
    await page.keyboard.press(key);
    await page.waitForTimeout(150);
  }
  // The screen catches up with the keys: the fifth image, ungraded.
  await expect.poll(reviewedId, { timeout: 15_000 }).toBe(ids[4]);
  const saved = await Promise.all(ids.map(byEllis));
  expect(saved.map((events) => events.map((event) => event.value))).toEqual([[1], [2], [3], [0], []]);
  await expect(page.getByTestId('review-status')).not.toHaveClass(/error/);
});

const currentValue = async () => Number(await page.getByTestId('current-label').getAttribute('data-value'));
const flag = () => page.getByTestId('ungradable-flag');
const historyRows = (kind?: string) => page.getByTestId('history-panel').locator(kind ? `[data-testid="history-row"][data-kind="${kind}"]` : '[data-testid="history-row"]');

test('U and notes are audited in History, and Ctrl+Z undoes them in order, on their own image', async () => {
  const ids = await gridIds();
  const [graded, flagged] = [ids[6]!, ids[7]!];
  await review(graded);
  const grade = ((await currentValue()) + 1) % 5;
  await page.keyboard.press(String(grade));
  await expect.poll(reviewedId).toBe(flagged);
  await expect(picture()).toHaveAttribute('data-kind', 'display');

  // U on the next image: an event in its History, and a visible conflict with its (imported) grade.
  await page.keyboard.press('u');
  await expect(flag()).toHaveAttribute('data-ungradable', 'true');
  await expect(historyRows('ungradable')).toHaveCount(1);
  await expect(historyRows('ungradable').first()).toContainText('marked ungradable');
  await expect(historyRows('ungradable').first()).toContainText('Dr Ellis');
  await expect(page.getByTestId('ungradable-conflict')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('review-ungradable-conflict.png') });

  // A note, then Ctrl+Z three times: the note, the U, then the grade of the image before.
  await page.keyboard.press('n');
  await page.getByTestId('review-note').fill('media opacity');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('review-note')).toHaveText('media opacity');
  await expect(historyRows('note')).toHaveCount(1);

  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('review-note')).toHaveText('No note.');
  expect(await reviewedId()).toBe(flagged);
  await page.keyboard.press('Control+z');
  await expect(flag()).toHaveAttribute('data-ungradable', 'false');
  await expect(page.getByTestId('ungradable-conflict')).toHaveCount(0);
  expect(await reviewedId()).toBe(flagged);
  // The older grade of the other image was left alone by both.
  expect((await byEllis(graded)).map((event) => event.value)).toEqual([grade]);

  // The next U flags the image on screen, not another one.
  await page.keyboard.press('u');
  await expect(flag()).toHaveAttribute('data-ungradable', 'true');
  const audit = await byEllis(flagged);
  expect(audit.map((event) => [event.kind, event.value])).toEqual([
    ['ungradable', true],
    ['note', 'media opacity'],
    ['note', null],
    ['ungradable', false],
    ['ungradable', true],
  ]);
  expect((await byEllis(graded)).map((event) => event.value)).toEqual([grade]);

  // The Library shows the conflict (ungradable, yet graded) as a filter and a mark.
  await openView('Library');
  await page.getByTestId('filter-conflicts').check();
  await expect(page.getByTestId('grid-cell')).toHaveCount(1);
  await expect(page.locator(`[data-testid="grid-cell"][data-image-id="${flagged}"]`).getByTestId('conflict-mark')).toBeVisible();
  await page.getByTestId('filter-conflicts').uncheck();
  // Ctrl+Z in the Library undoes the same reader's last action, the U given in Review.
  await page.getByTestId('library-grid').focus();
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('library-status')).toContainText(`Undone: ungradable mark removed (image ${flagged})`);
  expect((await byEllis(flagged)).at(-1)).toMatchObject({ kind: 'ungradable', value: false });
});

test('undoing a grade over an imported value says the label file’s value is back', async () => {
  const ids = await gridIds();
  const image = ids[9]!;
  await review(image);
  const imported = await currentValue();
  await expect(page.getByTestId('current-label')).toContainText('imported');
  await page.keyboard.press(String((imported + 2) % 5));
  await expect.poll(reviewedId).toBe(ids[10]);
  await page.keyboard.press('Control+z');
  // Back on the image, with its imported value and the file it came from.
  await expect.poll(reviewedId).toBe(image);
  const restored = `Restored to the imported value ${imported} (label file trainLabels.csv)`;
  await expect(historyRows().first()).toContainText(restored);
  await expect(page.getByTestId('review-status')).toContainText(`restored to the imported value ${imported} (label file trainLabels.csv)`);
  await expect(page.getByTestId('current-label')).toContainText(`restored to the imported value ${imported} (label file trainLabels.csv)`);
  await expect(page.getByTestId('current-label')).not.toContainText('graded by');
  expect(await currentValue()).toBe(imported);
});

test('bulk grading asks with Cancel focused, and says how many existing grades it replaces', async () => {
  await gridIds();
  const csv = await gradedeskCli(session.app.dataDir, 'export', 'labels', '--project', 'Demo');
  const labels = csv.trim().split('\n').slice(1).map((line) => line.split(',')[1]);
  const different = labels.filter((label) => label !== '' && label !== '0').length;
  expect(labels).toHaveLength(60);
  expect(different).toBeGreaterThan(0);

  await page.getByTestId('library-grid').focus();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('0');
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText(
    `Grade 60 images as 0 (No DR)? ${different} already have a different grade, which will be replaced (undo with Ctrl+Z).`,
  );
  await expect(page.getByTestId('confirm-cancel')).toBeFocused();
  // Enter on the first focus cancels: nothing is graded.
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  expect(await gradedeskCli(session.app.dataDir, 'export', 'labels', '--project', 'Demo')).toBe(csv);

  await page.keyboard.press('0');
  await page.getByTestId('confirm-accept').click();
  await expect(page.getByTestId('library-status')).toContainText('Graded 60 images as 0 (No DR)');
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('library-status')).toContainText('Undone: 60 images');
  const after = (await gradedeskCli(session.app.dataDir, 'export', 'labels', '--project', 'Demo')).trim().split('\n').slice(1).map((line) => line.split(',')[1]);
  expect(after).toEqual(labels);
});

test('a key typed ahead past the last image of the view is not saved anywhere, and says so until dismissed', async () => {
  const csv = await gradedeskCli(session.app.dataDir, 'export', 'labels', '--project', 'Demo');
  const gradedFour = csv.trim().split('\n').slice(1).filter((line) => line.split(',')[1] === '4').length;
  await openView('Library');
  await page.getByTestId('filter-label').selectOption('4');
  // The grid shows the filtered images (not the unfiltered page still on screen) before they are read.
  await expect(page.getByTestId('library-status')).toHaveAttribute('data-total', String(gradedFour));
  await expect(page.getByTestId('grid-cell')).toHaveCount(gradedFour);
  const ids = await page.getByTestId('grid-cell').evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-image-id'))));
  const last = ids.at(-1)!;
  await page.locator(`[data-testid="grid-cell"][data-image-id="${last}"]`).dblclick();
  await expect(picture()).toHaveAttribute('data-image-id', String(last));
  await expect(picture()).not.toHaveClass(/pending/);
  const before = await historyOf(last);
  await page.keyboard.press('4');
  await page.waitForTimeout(150);
  await page.keyboard.press('2');
  const problems = page.getByTestId('review-problems');
  await expect(problems).toContainText('2 (Moderate NPDR) was not saved: there is no image after');
  // Not laid over the grade just given: the last image keeps 4, and keys wait until the reader goes on.
  await page.keyboard.press('3');
  await expect(problems.locator('p')).toHaveCount(2);
  expect((await historyOf(last)).slice(before.length).map((event) => [event.readerName, event.value])).toEqual([['Dr Ellis', 4]]);
  // Later messages do not replace it; only the reader dismisses it, after which keys apply again.
  await page.keyboard.press('ArrowLeft');
  await expect(problems).toBeVisible();
  await page.getByTestId('review-problems-dismiss').click();
  await expect(problems).toHaveCount(0);
  await expect(picture()).not.toHaveClass(/pending/);
  const shown = await reviewedId();
  await page.keyboard.press('1');
  await expect.poll(async () => (await byEllis(shown)).at(-1)?.value).toBe(1);
  await openView('Library');
  await page.getByTestId('filter-label').selectOption('');
});
