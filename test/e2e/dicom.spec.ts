import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { identity, picture, writeDicom } from '../fixtures/dicom';
import { startGradedesk, type RunningGradedesk } from './support/gradedesk';

/**
 * A clinic's DICOM archive: two cameras, two study dates. The Library filters by camera and study date
 * from the keyboard, and Review shows an image's study date and camera.
 */
let root: string;
let app: RunningGradedesk;

test.beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-ui-dicom-'));
  const folder = path.join(root, 'archive');
  const size = { width: 96, height: 72 };
  await writeDicom(path.join(folder, 'a.dcm'), { ...size, frames: [await picture(1, 96, 72, 3)], photometric: 'RGB', laterality: 'R', manufacturer: 'Topcon', model: 'TRC-NW8', studyDate: '20240102', who: identity(1) });
  await writeDicom(path.join(folder, 'b.dcm'), { ...size, frames: [await picture(2, 96, 72, 3)], photometric: 'RGB', laterality: 'L', manufacturer: 'Topcon', model: 'TRC-NW8', studyDate: '20240102', who: identity(1) });
  await writeDicom(path.join(folder, 'c.dcm'), { ...size, frames: [await picture(3, 96, 72, 3), await picture(4, 96, 72, 3)], photometric: 'RGB', manufacturer: 'Carl Zeiss Meditec', model: 'VISUCAM 500', studyDate: '20210610', who: identity(2) });
  app = await startGradedesk(path.join(root, 'data'));
});

test.afterAll(async () => {
  await app?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

const total = (page: Page) => page.getByTestId('library-status').getAttribute('data-total').then(Number);

test('the Library filters DICOM images by camera and study date, and Review shows both', async ({ page }) => {
  await page.goto(app.url);
  await page.getByLabel('Reader name').fill('Dr Okafor');
  await page.getByRole('button', { name: 'Start reading' }).click();
  await page.getByTestId('create-name').fill('Archive');
  await page.getByTestId('create-submit').click();
  const views = page.getByRole('navigation', { name: 'Views' });
  await expect(views.getByRole('button', { name: 'Library' })).toHaveAttribute('aria-current', 'page');
  await views.getByRole('button', { name: 'Projects' }).click();
  await page.getByTestId('import-folder').fill(path.join(root, 'archive'));
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-report').getByTestId('report-imported')).toHaveText('4', { timeout: 30_000 });

  await page.getByTestId('project-open').first().click();
  await expect.poll(() => total(page)).toBe(4);
  await page.getByTestId('filter-equipment').focus();
  await page.keyboard.type('zeiss');
  await expect.poll(() => total(page)).toBe(2);
  await page.getByTestId('filter-equipment').fill('');
  await page.getByTestId('filter-equipment').dispatchEvent('input');
  await expect.poll(() => total(page)).toBe(4);
  // Dates typed into the date fields from the keyboard.
  await page.getByTestId('filter-study-from').focus();
  await page.keyboard.type('01012024');
  await page.getByTestId('filter-study-from').blur();
  await expect.poll(() => total(page)).toBe(2);

  await page.getByTestId('library-grid').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('review-image')).toBeVisible();
  await expect(page.getByTestId('study-date')).toHaveText('2024-01-02');
  await expect(page.getByTestId('camera')).toHaveText('Topcon TRC-NW8');
});
