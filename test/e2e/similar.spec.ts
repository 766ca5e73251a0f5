import { expect, test, type Page } from '@playwright/test';
import { shareDemoSession } from './support/gradedesk';

/**
 * A reader looks at the nearest graded cases of other patients in Review: computes the active model's
 * embedding from the panel, opens a neighbour, sets how strong a vote must be, accepts the neighbours'
 * suggestion (A) and undoes it (Ctrl+Z); Evaluate states the held-out neighbour accuracy.
 */
let page: Page;

shareDemoSession({ trained: true, timeoutMs: 240_000 }, (opened) => (page = opened.page));

/** similar.forImage's default k, which similar.accept also votes with. */
const K = 10;

const panel = () => page.getByTestId('similar-panel');
const cases = () => panel().getByTestId('similar-case');
const suggestion = () => panel().getByTestId('similar-suggestion');
const threshold = () => panel().getByTestId('similar-threshold');
const acceptButton = () => panel().getByTestId('similar-accept');
const picture = () => page.getByTestId('review-image');
const reviewedId = async () => Number(await picture().getAttribute('data-image-id'));

/** Waits until the panel shows the neighbours of the image on screen. */
async function neighboursShown(): Promise<number> {
  const imageId = await reviewedId();
  await expect(page.locator(`[data-testid="similar-panel"][data-image-id="${imageId}"][data-state="answer"]`)).toBeVisible();
  return imageId;
}

async function setThreshold(percent: number) {
  await threshold().fill(String(percent));
  await threshold().blur();
  await expect(panel().locator('.threshold .percent')).toHaveText(`${percent}%`);
}

test('the panel offers to compute embeddings, shows progress, then the nearest graded cases', async () => {
  test.setTimeout(240_000);
  await page.getByTestId('grid-cell').first().dblclick();
  await expect(picture()).toHaveAttribute('data-kind', 'display');
  const imageId = await reviewedId();

  await expect(panel()).toHaveAttribute('data-state', 'no-embeddings');
  await expect(panel()).toContainText('has no embeddings yet');

  // Stepping through images without embeddings asks for the status, not for neighbours that cannot exist.
  const refused: string[] = [];
  const watch = (response: import('@playwright/test').Response) => {
    if (response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
  };
  page.on('response', watch);
  for (let step = 0; step < 3; step++) {
    const before = await reviewedId();
    await page.keyboard.press('ArrowRight');
    await expect(picture()).not.toHaveAttribute('data-image-id', String(before));
    await expect(page.locator(`[data-testid="similar-panel"][data-image-id="${await reviewedId()}"][data-state="no-embeddings"]`)).toBeVisible();
  }
  for (let step = 0; step < 3; step++) {
    const before = await reviewedId();
    await page.keyboard.press('ArrowLeft');
    await expect(picture()).not.toHaveAttribute('data-image-id', String(before));
  }
  await expect(picture()).toHaveAttribute('data-image-id', String(imageId));
  page.off('response', watch);
  expect(refused).toEqual([]);

  await page.getByTestId('similar-compute').click();
  await expect(page.getByTestId('similar-computing')).toBeVisible();
  await expect(page.getByTestId('similar-computing')).toHaveCount(0, { timeout: 200_000 });
  await expect(cases()).toHaveCount(K, { timeout: 20_000 });
  await expect(panel()).toContainText('similarity is not a diagnosis');

  const shown = await cases().evaluateAll((buttons) =>
    buttons.map((button) => ({
      imageId: Number(button.getAttribute('data-image-id')),
      label: button.getAttribute('data-label'),
      similarity: Number(button.getAttribute('data-similarity')),
      text: button.querySelector('[data-testid="similar-case-similarity"]')?.textContent,
      grade: button.querySelector('[data-testid="similar-case-label"]')?.textContent,
      tag: button.tagName,
    })),
  );
  // Other images only, most similar first, each a button with its grade in words and its similarity.
  expect(shown.map((c) => c.imageId)).not.toContain(imageId);
  for (const [i, c] of shown.entries()) {
    expect(c.tag).toBe('BUTTON');
    expect(c.label).toMatch(/^[0-4]$/);
    expect(c.grade).toMatch(new RegExp(`^${c.label} \\(`));
    expect(c.similarity).toBeGreaterThanOrEqual(-1);
    expect(c.similarity).toBeLessThanOrEqual(1.0001);
    expect(c.text).toBe(c.similarity.toFixed(2));
    if (i > 0) expect(c.similarity).toBeLessThanOrEqual(shown[i - 1]!.similarity);
  }
  await expect(cases().first().getByTestId('similar-case-similarity')).toHaveAttribute('title', /cosine similarity/i);
  await expect(cases().first().getByTestId('similar-case-similarity')).toHaveAttribute('title', /not a probability/);
  // Real thumbnails, served by the media route.
  for (const img of await cases().locator('img').all()) {
    await expect(img).toHaveAttribute('src', /\/media\/thumbnail\/\d+/);
    await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  }
  await expect(suggestion()).toContainText(/Neighbours suggest: grade \d \(.+\) — \d+% of the vote/);
});

test('a neighbour opens in Review, with its own neighbours', async () => {
  const target = cases().nth(2);
  const targetId = await target.getAttribute('data-image-id');
  await target.focus();
  await page.keyboard.press('Enter');
  await expect(picture()).toHaveAttribute('data-image-id', targetId!);
  await neighboursShown();
  await expect(cases()).toHaveCount(K);
  expect(await cases().evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-image-id')))).not.toContain(targetId);
});

test('the threshold decides whether the suggestion may be accepted; A accepts it and Ctrl+Z undoes it', async () => {
  test.setTimeout(120_000);
  // Grading below stays on the image.
  await page.getByLabel('Advance after grading').uncheck();
  // From the first image of the Library's view, so that → has somewhere to go.
  await page.keyboard.press('Escape');
  await page.getByTestId('grid-cell').first().dblclick();

  // An image whose vote can pass a threshold (50% at least) and fail a higher one, preferring one the neighbours disagree with.
  let chosen: { imageId: number; confidence: number; agrees: boolean; step: number } | null = null;
  for (let step = 0; step < 60; step++) {
    const imageId = await neighboursShown();
    if ((await suggestion().count()) > 0) {
      const confidence = Number(await suggestion().getAttribute('data-confidence'));
      const agrees = (await suggestion().getAttribute('data-agrees')) === 'true';
      if (confidence >= 0.5 && confidence < 0.99) {
        if (!agrees) {
          chosen = { imageId, confidence, agrees, step };
          break;
        }
        chosen ??= { imageId, confidence, agrees, step };
      }
    }
    // A few images more in the hope of a disagreeing vote, and never past the last image.
    if (chosen && step - chosen.step >= 5) break;
    const [, index, total] = /image (\d+) of (\d+)/.exec((await page.getByTestId('review-position').textContent()) ?? '') ?? [];
    if (index !== undefined && index === total) break;
    await page.keyboard.press('ArrowRight');
    await expect(picture()).not.toHaveAttribute('data-image-id', String(imageId));
  }
  expect(chosen, 'an image whose neighbours vote at least 50% for one grade').not.toBeNull();
  // Back to it when a later image was looked at in the hope of a disagreeing vote.
  for (let step = 0; step < 10 && (await reviewedId()) !== chosen!.imageId; step++) {
    const imageId = await reviewedId();
    await page.keyboard.press('ArrowLeft');
    await expect(picture()).not.toHaveAttribute('data-image-id', String(imageId));
  }
  await neighboursShown();
  const suggested = (await suggestion().getAttribute('data-label'))!;
  if (chosen!.agrees) {
    // Every such image already had the suggested grade: give it another one first.
    await expect(picture()).toBeVisible();
    await page.keyboard.press(String((Number(suggested) + 1) % 5));
    await expect(page.getByTestId('review-status')).toContainText('Saved');
    await expect(suggestion()).toHaveAttribute('data-agrees', 'false');
  }
  await expect(suggestion()).toContainText('Differs from the current grade');
  const before = (await page.getByTestId('current-label').getAttribute('data-value'))!;
  expect(before).not.toBe(suggested);

  const percent = Math.floor(chosen!.confidence * 100);
  await setThreshold(Math.min(100, percent + 1));
  await expect(acceptButton()).toBeDisabled();
  await expect(panel().getByTestId('similar-below')).toContainText(`below your threshold of ${percent + 1}%`);
  await page.keyboard.press('a');
  await expect(page.getByTestId('review-status')).toContainText(`below your threshold of ${percent + 1}%`);
  await expect(page.getByTestId('current-label')).toHaveAttribute('data-value', before);

  await setThreshold(Math.max(50, percent));
  await expect(acceptButton()).toBeEnabled();
  await expect(panel().getByTestId('similar-below')).toHaveCount(0);

  await page.keyboard.press('a');
  await expect(page.getByTestId('review-status')).toContainText('Accepted the neighbours’ suggestion');
  await expect(page.getByTestId('current-label')).toHaveAttribute('data-value', suggested);
  const newest = page.getByTestId('history-panel').getByTestId('history-row').first();
  await expect(newest).toContainText('model, accepted');
  await expect(newest).toContainText('Dr Ellis');
  // Now the vote agrees with the label: nothing more to accept.
  await expect(suggestion()).toHaveAttribute('data-agrees', 'true');
  await expect(acceptButton()).toBeDisabled();

  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('review-status')).toContainText('Undone');
  await expect(page.getByTestId('current-label')).toHaveAttribute('data-value', before);
  await expect(page.getByTestId('history-panel').getByTestId('history-row').first()).toContainText('undo of event');
  await expect(acceptButton()).toBeEnabled();
});

test('Evaluate states the held-out neighbour accuracy of the embedding', async () => {
  await page.keyboard.press('Control+6');
  const line = page.getByTestId('neighbour-accuracy');
  await expect(line).toHaveAttribute('data-state', 'summary', { timeout: 20_000 });
  await expect(line).toContainText(/Top-1 neighbour accuracy on held-out patients: \d+% \(majority class \d+%\), \d+ images, \d+ folds/);
  await expect(line).toContainText(/ArcFace embedding, margin [\d.]+, scale [\d.]+/);
});
