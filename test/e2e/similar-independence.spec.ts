import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { gradedeskCli, startGradedesk } from './support/gradedesk';

/**
 * Similar cases never echo the label under review: a severe eye graded 0 by mistake before the model
 * and its embedding were trained gets neighbours that do not follow the 0, and Review says the vote
 * differs from the current grade.
 */
test('a mislabelled eye’s similar cases do not follow its wrong label', async ({ browser }) => {
  test.setTimeout(300_000);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-independence-'));
  const dataDir = path.join(root, 'data');
  await gradedeskCli(dataDir, 'demo', '--count', '60', '--seed', '5');
  // A grade-4 eye of the demo, graded 0 by a hasty reader.
  const labels = (await fs.readFile(path.join(dataDir, 'demo', 'seed-5-count-60', 'trainLabels.csv'), 'utf8')).split('\n').slice(1);
  const planted = labels.map((line) => line.replace(/"/g, '').split(',')).find(([, level]) => level === '4')![0]!;
  await gradedeskCli(dataDir, 'grade', planted, '0', '--project', 'Demo', '--reader', 'Dr Hasty');
  await gradedeskCli(dataDir, 'train', '--project', 'Demo', '--size', '96', '--epochs', '4', '--folds', '2');
  await gradedeskCli(dataDir, 'embed', '--project', 'Demo');

  const app = await startGradedesk(dataDir);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(app.url);
    await page.getByPlaceholder('Your name').fill('Dr Ellis');
    await page.getByRole('button', { name: 'Start reading' }).click();
    await page.getByTestId('project-open').first().click();
    // The planted eye's patient, found with the Library's patient filter.
    await page.getByTestId('filter-group').fill(planted.split('_')[0]!);
    await page.getByTestId('filter-group').press('Enter');
    const cell = page.locator('[data-testid="grid-cell"]', { hasText: planted });
    await cell.first().dblclick();
    await expect(page.getByTestId('current-label')).toHaveAttribute('data-value', '0');
    const panel = page.getByTestId('similar-panel');
    await expect(panel).toHaveAttribute('data-state', 'answer', { timeout: 30_000 });
    const labelsShown = await panel.getByTestId('similar-case').evaluateAll((cases) => cases.map((c) => c.getAttribute('data-label')));
    expect(labelsShown.length).toBeGreaterThan(0);
    expect(labelsShown.filter((label) => label === '0').length).toBeLessThan(labelsShown.length / 2);
    await expect(panel.getByTestId('similar-suggestion')).toHaveAttribute('data-agrees', 'false');
    await expect(panel.getByTestId('similar-echo-caution')).toHaveCount(0);
  } finally {
    await page.close();
    await app.stop();
    await fs.rm(root, { recursive: true, force: true });
  }
});
