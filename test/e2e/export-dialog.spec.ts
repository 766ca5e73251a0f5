import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { expect, test } from '@playwright/test';
import { patientPseudonym } from '../../src/main/export/pseudonym';
import { writeJpeg } from '../fixtures/images';
import { gradedeskCli, startGradedesk, type RunningGradedesk } from './support/gradedesk';

/**
 * The Export dialog, by keyboard: a project whose file names carry patients' record numbers, graded by a
 * named reader with a note, exported as labels with de-identification (on by default), and the file
 * written read back; a wrong path is said in words; Escape closes the dialog.
 */
let root: string;
let dataDir: string;
let app: RunningGradedesk;
const FILES = ['MRN40211_left.jpg', 'MRN40211_right.jpg', 'MRN73002_left.jpg'];
const READER = 'Dr Imogen Fairweather';
const NOTE = 'Mother attends with patient';

test.beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-ui-export-'));
  dataDir = path.join(root, 'data');
  for (const [index, file] of FILES.entries()) await writeJpeg(path.join(root, 'Fairweather clinic', file), index + 1, 120, 90);
  await gradedeskCli(dataDir, 'project', 'create', 'Screening');
  await gradedeskCli(dataDir, 'import', path.join(root, 'Fairweather clinic'), '--project', 'Screening');
  for (const [index, file] of FILES.entries()) {
    await gradedeskCli(dataDir, 'grade', file, String(index + 1), '--project', 'Screening', '--reader', READER, '--note', NOTE);
  }
  app = await startGradedesk(dataDir);
});

test.afterAll(async () => {
  await app?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

test('exports de-identified labels through the dialog, by keyboard, and the file holds pseudonyms only', async ({ page }) => {
  await page.goto(app.url);
  await page.getByLabel('Reader name').fill('Dr Okafor');
  await page.getByRole('button', { name: 'Start reading' }).click();
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Projects' }).click();

  // From the project's row, Tab reaches its Export button.
  await page.getByTestId('project-row').focus();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('project-export')).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Export “Screening”' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('export-format-labels')).toBeFocused();
  await expect(dialog.getByTestId('export-deidentify')).toBeChecked();

  // A folder that does not exist: the reason, in words, and nothing else happens.
  await dialog.getByTestId('export-file').fill(path.join(root, 'missing', 'labels.csv'));
  await page.keyboard.press('Enter');
  await expect(dialog.getByTestId('export-error')).toHaveText(/could not be written to ".*labels\.csv": part of the path does not exist\./);

  const out = path.join(root, 'labels.csv');
  await dialog.getByTestId('export-file').fill(out);
  await dialog.getByTestId('export-format-labels').focus();
  await page.keyboard.press('Enter');
  await expect(dialog.getByTestId('export-result')).toContainText(`Wrote 3 rows to ${out}.`);
  await expect(dialog.getByTestId('export-error')).toHaveCount(0);

  const text = await fs.readFile(out, 'utf8');
  for (const identifier of [...FILES, ...FILES.map((file) => path.parse(file).name), 'MRN40211', 'MRN73002', READER, 'Fairweather', NOTE, root]) {
    expect(text, identifier).not.toContain(identifier);
  }
  const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
  expect(rows.map((row) => row.group).sort()).toEqual(
    [patientPseudonym(dataDir, 'MRN40211'), patientPseudonym(dataDir, 'MRN40211'), patientPseudonym(dataDir, 'MRN73002')].sort(),
  );
  expect(rows.map((row) => row.label).sort()).toEqual(['1', '2', '3']);
  for (const row of rows) {
    expect(row.image).toMatch(/^I-[0-9a-f]{12}$/);
    expect(row.reader).toMatch(/^R-[0-9a-f]{12}$/);
  }

  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});

test('the model bundle and DICOM images say what they hold instead of offering de-identification, the report offers it, and a project without a model is told so', async ({ page }) => {
  await page.goto(app.url);
  await page.getByLabel('Reader name').fill('Dr Okafor');
  await page.getByRole('button', { name: 'Start reading' }).click();
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Projects' }).click();
  await page.getByTestId('project-export').click();
  const dialog = page.getByRole('dialog', { name: 'Export “Screening”' });

  await dialog.getByTestId('export-format-model-bundle').check();
  await expect(dialog.getByTestId('export-deidentify')).toHaveCount(0);
  await expect(dialog.getByTestId('export-holds')).toContainText('holds no names, paths or notes');
  await dialog.getByTestId('export-file').fill(path.join(root, 'screening.gdmodel'));
  await page.keyboard.press('Enter');
  await expect(dialog.getByTestId('export-error')).toHaveText('This project has no active model to bundle: train one first (Train view).');

  await dialog.getByTestId('export-format-report').check();
  await expect(dialog.getByTestId('export-file')).toHaveValue(path.join(root, 'screening.html'));
  await expect(dialog.getByTestId('export-deidentify')).toBeChecked();
  await page.keyboard.press('Enter');
  await expect(dialog.getByTestId('export-error')).toContainText('Screening has no active model');

  // No DICOM file was imported: nothing to write, said so, and no folder made.
  await dialog.getByTestId('export-format-dicom').check();
  await expect(dialog.getByTestId('export-file')).toHaveValue(path.join(root, 'screening'));
  await expect(dialog.getByTestId('export-holds')).toContainText('Always de-identified');
  await page.keyboard.press('Enter');
  await expect(dialog.getByTestId('export-error')).toHaveText('Project "Screening" has no images imported from DICOM, so there is nothing to export as DICOM.');
  await expect(fs.stat(path.join(root, 'screening'))).rejects.toThrow();
});
