import { expect, test, type Page } from '@playwright/test';
import { shareDemoSession } from './support/gradedesk';

/**
 * A clinician trains a model from the Train view on the demo project, watches its progress and
 * curves, finds the model's predictions in the Library and Review, and its out-of-fold evaluation.
 */
let page: Page;

shareDemoSession({ trained: false, timeoutMs: 120_000 }, (opened) => (page = opened.page));

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
  // The run ends with a summary in words; the engine's own notes stay behind Details.
  await expect(page.getByTestId('train-summary')).toContainText(/^“Model 1 \(128 px\)” finished in .*On \d+ images it did not train on: agreement with the readers’ grades -?\d\.\d{3} \(QWK\)/);
  await expect(page.getByTestId('train-backend-details')).not.toHaveAttribute('open', '');
  await expect(page.getByText(/Cannot find module/).first()).toBeHidden();
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
  await expect(badges.first()).toHaveAttribute('data-grade', /^[0-4]$/);
  // The AI badge takes the colour of its grade, as the reader's badge does: "AI 2" is never red beside a yellow "2".
  const colours = await page.getByTestId('grid-cell').evaluateAll((cells) =>
    cells.flatMap((cell) => {
      const { getComputedStyle } = globalThis as unknown as { getComputedStyle: (element: unknown) => { color: string; backgroundColor: string } };
      const ai = cell.querySelector('[data-testid="prediction-badge"]');
      const reader = cell.querySelector('[data-testid="grade-badge"].grade');
      if (!ai || !reader || ai.getAttribute('data-grade') !== reader.textContent?.trim()) return [];
      return [[getComputedStyle(ai).color, getComputedStyle(reader).backgroundColor]];
    }),
  );
  expect(colours.length).toBeGreaterThan(0);
  for (const [ai, reader] of colours) expect(ai).toBe(reader);
});

test('Review shows probability bars and the expected grade, and Evaluate the out-of-fold confusion matrix', async () => {
  await page.getByTestId('prediction-badge').first().dblclick();
  const panel = page.getByTestId('prediction-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('prediction-bar')).toHaveCount(5);
  // One likely grade with the average of the grades, or two possibilities far apart and no average.
  await expect(panel.getByTestId('prediction-expected').or(panel.getByTestId('prediction-possibilities'))).toHaveText(/\d\.\d|%, or grade/);
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

test('a point chosen on the ROC curve becomes the referral threshold, offered by the Library and marked in Triage', async () => {
  const chosen = (await page.getByTestId('roc-threshold').first().textContent())!.trim();
  await page.getByTestId('roc-save').first().click();
  await expect(page.getByTestId('roc-saved').first()).toContainText(`Referral threshold: ${chosen}`);
  await expect(page.getByTestId('roc-save').first()).toBeDisabled();
  // Each headline figure carries its 95% interval.
  await expect(page.getByTestId('headline-metrics').first().locator('[data-metric="qwk"] [data-testid="metric-interval"]')).toHaveText(/^-?\d\.\d{3}–-?\d\.\d{3}$/);

  await openView('Library');
  await expect(page.getByTestId('filter-referable').locator('option', { hasText: '(referral threshold)' })).toHaveCount(1);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Triage' }).click();
  await expect(page.getByTestId('triage-item').first()).toBeVisible();
  const referred = await page.getByTestId('triage-item').evaluateAll((rows) => rows.filter((row) => row.querySelector('[data-testid="triage-referred"]')).length);
  expect(referred).toBeGreaterThan(0);
});
