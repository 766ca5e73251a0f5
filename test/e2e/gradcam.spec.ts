import { expect, test, type Page } from '@playwright/test';
import { shareDemoSession } from './support/gradedesk';

/**
 * A clinician asks where the model looked: Grad-CAM over the model's input in Review (G), with its
 * opacity and class, following the reader from image to image; and maps for a Library selection.
 */
let page: Page;

shareDemoSession({ trained: true, timeoutMs: 240_000 }, (opened) => (page = opened.page));

const openView = (name: string) => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name }).click();
const picture = () => page.getByTestId('review-image');
const heatmap = () => page.getByTestId('gradcam-heatmap');

test('G shows the heat map over the colour photograph, registered to it, with a caption, and its opacity follows the slider', async () => {
  test.setTimeout(120_000);
  await page.getByTestId('grid-cell').first().dblclick();
  await expect(picture()).toHaveAttribute('data-kind', 'display');
  const imageId = await picture().getAttribute('data-image-id');

  await page.keyboard.press('g');
  await expect(page.getByTestId('gradcam-toggle')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('gradcam-panel')).toBeVisible();
  await expect(picture()).toHaveAttribute('data-kind', 'gradcam-photo', { timeout: 60_000 });
  await expect(picture()).toHaveAttribute('src', new RegExp(`/media/display/${imageId}$`));
  await expect(heatmap()).toBeVisible();
  await expect(heatmap()).toHaveAttribute('src', new RegExp(`/media/gradcam-photo/${imageId}\\?model=\\d+&class=\\d$`));
  await expect(heatmap()).toHaveCSS('opacity', '0.6');
  // The map has the photograph's proportions and lies exactly over it on screen, at the viewer's zoom.
  const natural = (img: unknown) => ({ w: (img as { naturalWidth: number }).naturalWidth, h: (img as { naturalHeight: number }).naturalHeight });
  const photo = await picture().evaluate(natural);
  const heat = await heatmap().evaluate(natural);
  expect(Math.abs(heat.w / heat.h - photo.w / photo.h)).toBeLessThan(0.02);
  const onScreen = async () => [await picture().boundingBox(), await heatmap().boundingBox()];
  let [photoBox, heatBox] = await onScreen();
  expect(heatBox).toEqual(photoBox);
  await page.keyboard.press('+');
  [photoBox, heatBox] = await onScreen();
  expect(heatBox).toEqual(photoBox);
  await page.keyboard.press('f');

  const caption = page.getByTestId('gradcam-caption');
  await expect(caption).toContainText('Over the photograph');
  await expect(caption).toContainText(/Warmer = regions that raised the score for grade \d/);
  await expect(page.getByTestId('gradcam-panel')).toContainText('Grad-CAM shows where the model looked, not that a lesion is there.');
  await expect(page.getByTestId('gradcam-class').locator('option').first()).toHaveText(/The model predicts grade \d|The severest grade with a real chance: grade \d/);
  // The panel sits beside the picture, not over the fundus.
  const panelBox = (await page.getByTestId('gradcam-panel').boundingBox())!;
  const canvas = (await picture().boundingBox())!;
  expect(panelBox.x).toBeGreaterThanOrEqual(canvas.x + canvas.width - 1);

  // Outline only: the lesions under the map stay in view.
  await page.getByTestId('gradcam-outline').check();
  await expect(heatmap()).toHaveAttribute('src', new RegExp(`/media/gradcam-outline/${imageId}\\?model=\\d+&class=\\d$`));
  await expect(heatmap()).toHaveCSS('opacity', '1');
  await page.getByTestId('gradcam-outline').uncheck();

  await page.getByTestId('gradcam-opacity').fill('25');
  await expect(heatmap()).toHaveCSS('opacity', '0.25');
  await page.getByTestId('gradcam-opacity').fill('100');
  await expect(heatmap()).toHaveCSS('opacity', '1');
  // A focused slider keeps the arrow keys; leaving it gives them back to Review.
  await page.getByTestId('gradcam-opacity').blur();
});

test('another class gives another heat map, and the next image gets its own map without asking', async () => {
  test.setTimeout(120_000);
  const before = (await heatmap().getAttribute('src'))!;
  const predicted = Number(/class=(\d)/.exec(before)![1]);
  const other = predicted === 4 ? 0 : 4;
  await page.getByTestId('gradcam-class').selectOption(String(other));
  await expect(heatmap()).toHaveAttribute('src', new RegExp(`class=${other}$`), { timeout: 60_000 });
  await expect(picture()).toHaveAttribute('data-kind', 'gradcam-photo');
  await expect(page.getByTestId('gradcam-caption')).toContainText(`score for grade ${other}`);
  expect(await heatmap().getAttribute('src')).not.toBe(before);

  await page.getByTestId('gradcam-class').selectOption('predicted');
  const first = await picture().getAttribute('data-image-id');
  await page.keyboard.press('ArrowRight');
  await expect(picture()).not.toHaveAttribute('data-image-id', first!);
  const next = await picture().getAttribute('data-image-id');
  await expect(picture()).toHaveAttribute('data-kind', 'gradcam-photo', { timeout: 60_000 });
  await expect(heatmap()).toHaveAttribute('src', new RegExp(`/media/gradcam-photo/${next}\\?`));
  // The opacity chosen on the last image stays.
  await expect(heatmap()).toHaveCSS('opacity', '1');
});

test('G again shows the photograph', async () => {
  await page.keyboard.press('g');
  await expect(page.getByTestId('gradcam-toggle')).toHaveAttribute('aria-pressed', 'false');
  await expect(picture()).toHaveAttribute('data-kind', 'display');
  await expect(picture()).toBeVisible();
  await expect(heatmap()).toHaveCount(0);
  await expect(page.getByTestId('gradcam-panel')).toHaveCount(0);
});

test('the Library computes Grad-CAM maps for a selection, with progress', async () => {
  test.setTimeout(120_000);
  await openView('Library');
  const cells = page.getByTestId('grid-cell');
  await cells.nth(10).click();
  await cells.nth(13).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('library-status')).toContainText('4 selected');
  await page.getByTestId('gradcam-selection').click();
  await expect(page.getByTestId('library-status')).toContainText('Grad-CAM maps of 4 images are ready', { timeout: 90_000 });
  await expect(page.getByTestId('gradcam-selection')).toBeEnabled();

  // Their maps are cached: Review shows one as soon as it opens with G on.
  const opened = await cells.nth(11).getAttribute('data-image-id');
  await cells.nth(11).dblclick();
  await expect(picture()).toHaveAttribute('data-image-id', opened!);
  await page.keyboard.press('g');
  await expect(picture()).toHaveAttribute('data-kind', 'gradcam-photo', { timeout: 10_000 });
});
