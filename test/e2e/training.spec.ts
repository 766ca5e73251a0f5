import { expect, test, type Page } from '@playwright/test';
import { openDemoSession, type DemoSession } from './support/gradedesk';

/**
 * A clinician trains a model from the Train view on the demo project, watches its progress and
 * curves, finds the model's predictions in the Library and Review, and its out-of-fold evaluation.
 */
test.describe.configure({ mode: 'serial' });

let session: DemoSession;
let page: Page;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  session = await openDemoSession(browser, { trained: false });
  page = session.page;
});

test.afterAll(async () => {
  await session?.close();
});

const openView = (name: string) => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name }).click();

test('trains from the Train view with live progress, and the new model becomes active', async () => {
  test.setTimeout(180_000);
  await openView('Train');
  await expect(page.getByTestId('train-backend')).toContainText('wasm');
  // No GPU on this machine: the view says so and why (no Vulkan loader, or no usable driver).
  await expect(page.getByTestId('train-adapter')).toContainText('No GPU for WebGPU: ');
  await expect(page.getByTestId('train-adapter')).toContainText('Vulkan');
  await expect(page.getByTestId('backbone-note')).toContainText('another photo domain');
  await page.getByTestId('train-inputSize').selectOption('128');
  await page.getByTestId('train-epochs').fill('6');
  await page.getByTestId('train-folds').fill('2');
  await expect(page.getByTestId('train-estimate')).toHaveText('No estimate yet: the first head run at 128 px measures the rate.');
  await page.getByTestId('train-start').click();

  await expect(page.getByTestId('train-progress')).toBeVisible();
  await expect(page.getByTestId('train-cancel')).toBeEnabled();
  // Live: epoch rows appear while the run goes on, before the model is ready.
  await expect(page.getByTestId('epoch-row').first()).toBeVisible({ timeout: 120_000 });
  const row = page.getByTestId('model-row').first();
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await expect(row).toHaveAttribute('data-active', 'true');
  await expect(page.getByTestId('epoch-row')).toHaveCount(12);
  await expect(row.locator('[data-metric="qwk"]')).not.toHaveText('—');
  // The finished run measured the rate: the next run at the same size gets an estimate before Start.
  await expect(page.getByTestId('train-estimate')).toContainText('Training steps: about ');
});

test('the Library shows a prediction badge on every image and sorts by P(referable)', async () => {
  await openView('Library');
  const badges = page.getByTestId('prediction-badge');
  await expect(badges.first()).toBeVisible();
  expect(await badges.count()).toBeGreaterThan(10);
  await expect(page.getByTestId('prediction-filters')).toBeVisible();
  await page.getByTestId('sort-key').selectOption('referable');
  await expect(badges.first()).toHaveAttribute('data-band', /high|middle|low/);
});

test('Review shows probability bars and the expected grade, and Evaluate the out-of-fold confusion matrix', async () => {
  await page.getByTestId('prediction-badge').first().dblclick();
  const panel = page.getByTestId('prediction-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('prediction-bar')).toHaveCount(5);
  await expect(panel.getByTestId('prediction-expected')).toHaveText(/\d\.\d/);
  await expect(panel.getByTestId('prediction-training')).toHaveAttribute('data-out-of-fold', 'true');

  await openView('Evaluate');
  await expect(page.getByTestId('evaluation-basis').first()).toContainText('did not train on');
  await expect(page.getByTestId('confusion-matrix').first()).toBeVisible();
  await expect(page.getByTestId('roc-auc').first()).toHaveText(/0\.\d+|1\.0/);
  const slider = page.getByTestId('roc-slider').first();
  const before = await page.getByTestId('roc-sensitivity').first().textContent();
  await slider.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('roc-sensitivity').first()).not.toHaveText(before ?? '');
});
