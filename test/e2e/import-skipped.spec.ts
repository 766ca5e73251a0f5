import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { writeJpeg } from '../fixtures/images';
import { startGradedesk, type RunningGradedesk } from './support/gradedesk';

/**
 * A folder of symbolic links (one inside, one leading out), a FIFO named like an image and an
 * unreadable-by-design link loop: the import report in the UI lists what was skipped and why, instead
 * of "1 of 1 files" with no word about the rest.
 */
let root: string;
let app: RunningGradedesk;

test.beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-ui-skipped-'));
  const folder = path.join(root, 'links');
  await writeJpeg(path.join(folder, 'real.jpg'), 1);
  await writeJpeg(path.join(root, 'elsewhere', 'outside.jpg'), 2);
  await fs.symlink('real.jpg', path.join(folder, 'inside-link.jpg'));
  await fs.symlink(path.join(root, 'elsewhere', 'outside.jpg'), path.join(folder, 'outside-link.jpg'));
  await fs.symlink('loop.jpg', path.join(folder, 'loop.jpg'));
  execFileSync('mkfifo', [path.join(folder, 'pipe.jpg')]);
  app = await startGradedesk(path.join(root, 'data'));
});

test.afterAll(async () => {
  await app?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

test('the import report lists the links, loops and FIFOs it skipped, and why', async ({ page }) => {
  await page.goto(app.url);
  await page.getByLabel('Reader name').fill('Dr Okafor');
  await page.getByRole('button', { name: 'Start reading' }).click();
  await page.getByTestId('create-name').fill('Links');
  await page.getByTestId('create-submit').click();
  // Creating a project opens its Library; wait for that before moving on, or the Library would open over Projects.
  await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' })).toHaveAttribute('aria-current', 'page');
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Projects' }).click();

  await page.getByTestId('import-folder').fill(path.join(root, 'links'));
  await page.getByTestId('import-start').click();
  const report = page.getByTestId('import-report');
  await expect(report).toBeVisible({ timeout: 30_000 });
  await expect(report.getByTestId('report-imported')).toHaveText('2');
  await expect(report.getByTestId('report-skipped')).toHaveText('3');
  const rows = report.getByTestId('import-skipped-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: 'outside-link.jpg' })).toHaveAttribute('data-reason', 'link-outside-folder');
  await expect(rows.filter({ hasText: 'outside-link.jpg' })).toContainText('Link out of the folder');
  await expect(rows.filter({ hasText: 'loop.jpg' })).toHaveAttribute('data-reason', 'link-loop');
  await expect(rows.filter({ hasText: 'pipe.jpg' })).toContainText('is not a regular file (it is a FIFO)');
});
