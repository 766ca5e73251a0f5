import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { writePlantedFolder } from '../fixtures/images';
import { startGradedesk } from './support/gradedesk';

/** A clinician creates a project and imports its first folder from the empty Library, without hunting for Projects. */
test('a new project opens on a Library that offers the import, and the images appear there', async ({ browser }) => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-first-import-'));
  const planted = await writePlantedFolder(path.join(root, 'clinic export'));
  const app = await startGradedesk(path.join(root, 'data'));
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  try {
    await page.goto(app.url);
    await page.getByLabel('Reader name').fill('Dr Okafor');
    await page.getByRole('button', { name: 'Start reading' }).click();
    await page.getByTestId('create-name').fill('Screening');
    await page.getByTestId('create-submit').click();

    await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' })).toHaveAttribute('aria-current', 'page');
    const offer = page.getByTestId('library-first-import');
    await expect(offer).toContainText('This project has no images yet');
    await offer.getByTestId('import-folder').fill(planted.dir);
    await offer.getByTestId('import-start').click();

    // Every file has a cell, the broken ones with their import error.
    await expect(page.getByTestId('grid-cell')).toHaveCount(planted.goodFiles.length + Object.keys(planted.badFiles).length, { timeout: 30_000 });
    await expect(offer).toHaveCount(0);
  } finally {
    await page.close();
    await app.stop();
    await fs.rm(root, { recursive: true, force: true });
  }
});
