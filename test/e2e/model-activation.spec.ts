import { expect, test, type Page } from '@playwright/test';
import { gradedeskCli, shareDemoSession, type DemoSession } from './support/gradedesk';

/**
 * A second, worse training run does not take over: the model that was active stays active (Library
 * badges, Review and Triage keep following it), and the Train view says which model is better, on how
 * many images, and offers to switch anyway.
 */
let session: DemoSession;
let page: Page;

shareDemoSession({ trained: true, timeoutMs: 300_000 }, (opened) => {
  session = opened;
  page = opened.page;
});

interface ListedModel {
  id: number;
  name: string;
  active: boolean;
  activation: { activated: boolean; reason: string; comparison: { images: number; candidate: number; incumbent: number } | null } | null;
}

const models = async () =>
  JSON.parse(await gradedeskCli(session.app.dataDir, 'models', 'list', '--project', 'Demo', '--json')) as ListedModel[];

test('a worse model trained later stays inactive, and the Train view says which is better and offers “Make active”', async () => {
  test.setTimeout(300_000);
  const [first] = await models();
  expect(first).toMatchObject({ active: true, activation: { activated: true } });

  // One epoch at a vanishing learning rate: a head that has learnt next to nothing.
  await gradedeskCli(session.app.dataDir, 'train', '--project', 'Demo', '--head', 'softmax', '--size', '96', '--epochs', '1', '--folds', '2', '--lr', '0.000001', '--name', 'barely trained');
  const listed = await models();
  const second = listed.find((model) => model.name === 'barely trained')!;
  expect(second.active).toBe(false);
  expect(listed.find((model) => model.id === first!.id)!.active).toBe(true);
  expect(second.activation).toMatchObject({ activated: false, comparison: { images: 60 } });
  expect(second.activation!.comparison!.incumbent).toBeGreaterThan(second.activation!.comparison!.candidate);

  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Train' }).click();
  const notice = page.getByTestId('activation-notice');
  await expect(notice).toHaveAttribute('data-activated', 'false');
  await expect(notice).toContainText(`“barely trained” was not made active: the active model “${first!.name}” is better (QWK`);
  await expect(notice).toContainText('on the same 60 labelled images');
  await expect(page.locator(`[data-testid="model-row"][data-model-id="${first!.id}"]`)).toHaveAttribute('data-active', 'true');
  await page.screenshot({ path: test.info().outputPath('train-activation-notice.png') });

  await notice.getByTestId('activation-make-active').click();
  await expect(page.locator(`[data-testid="model-row"][data-model-id="${second.id}"]`)).toHaveAttribute('data-active', 'true');
  await expect(page.getByTestId('activation-make-active')).toHaveCount(0);
});
