import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { gradedeskCli, shareDemoSession, type DemoSession } from './support/gradedesk';

/**
 * A colleague's model arrives as one .gdmodel file: imported from the Train view into a project with the
 * same task, it becomes the active model; a damaged copy is refused in words, and nothing is added.
 */
let session: DemoSession;
let page: Page;
let root: string;
let bundle: string;

shareDemoSession({ trained: false, timeoutMs: 300_000 }, (opened) => {
  session = opened;
  page = opened.page;
});

test.beforeAll(async () => {
  test.setTimeout(300_000);
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-bundle-ui-'));
  const colleague = path.join(root, 'colleague');
  await gradedeskCli(colleague, 'demo', '--count', '60', '--seed', '5');
  await gradedeskCli(colleague, 'train', '--project', 'Demo', '--size', '96', '--epochs', '2', '--folds', '2', '--name', 'from the colleague');
  bundle = path.join(root, 'colleague.gdmodel');
  await gradedeskCli(colleague, 'models', 'export-bundle', '--model', '1', '--out', bundle);
});

test.afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

test('a damaged bundle is refused in words, and a sound one becomes the project’s active model', async () => {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Train' }).click();
  const damaged = path.join(root, 'damaged.gdmodel');
  const bytes = await fs.readFile(bundle);
  bytes[bytes.length - 10] ^= 0xff;
  await fs.writeFile(damaged, bytes);

  await page.getByTestId('import-bundle').click();
  const dialog = page.getByRole('dialog', { name: 'Import a model bundle' });
  await expect(dialog.getByTestId('import-bundle-path')).toBeFocused();
  await page.keyboard.type(damaged);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('models-message')).toContainText('The bundle was not imported:');
  await expect(page.getByTestId('models-message')).toContainText('checksum');
  await expect(dialog.getByRole('alert')).toBeVisible();
  await expect(page.getByTestId('model-row')).toHaveCount(0);

  await dialog.getByTestId('import-bundle-path').fill(bundle);
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('models-message')).toContainText(`Imported “from the colleague” from ${bundle}. It is now the active model.`);
  await expect(page.getByTestId('model-row')).toHaveCount(1);
  await expect(page.getByTestId('model-row').first()).toHaveAttribute('data-active', 'true');
  const listed = JSON.parse(await gradedeskCli(session.app.dataDir, 'models', 'list', '--project', 'Demo', '--json')) as Array<{ name: string; active: boolean }>;
  expect(listed).toMatchObject([{ name: 'from the colleague', active: true }]);
});
