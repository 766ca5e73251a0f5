import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { gradedeskCli, gradedeskCliWithInput, startGradedesk, type RunningGradedesk } from './support/gradedesk';

/** A team server grading blind: two graders in two browser contexts grade the same image apart, the adjudicator decides. */
let root: string;
let dataDir: string;
let app: RunningGradedesk;
const PASSWORDS = { Ana: 'ana-grades-retinas', Ben: 'ben-grades-retinas', Dev: 'dev-adjudicates-well' };

test.beforeAll(async () => {
  test.setTimeout(120_000);
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-blind-ui-'));
  dataDir = path.join(root, 'data');
  await gradedeskCli(dataDir, 'demo', '--count', '6', '--seed', '5');
  for (const [name, role] of [['Ana', 'grader'], ['Ben', 'grader'], ['Dev', 'adjudicator']] as const) {
    await gradedeskCliWithInput(dataDir, `${PASSWORDS[name]}\n`, 'user', 'add', name, '--role', role, '--password-stdin');
  }
  await gradedeskCli(dataDir, 'protocol', 'set', '--project', 'Demo', '--kind', 'double-adjudicated', '--graders', '2', '--refer', 'any-difference');
  app = await startGradedesk(dataDir);
});

test.afterAll(async () => {
  await app?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

async function signedIn(browser: Browser, name: keyof typeof PASSWORDS): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(app.url);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(PASSWORDS[name]);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('signed-in')).toHaveText(`Signed in as ${name}`);
  await page.getByTestId('project-open').first().click();
  return page;
}

/** Opens the first image of the Library in Review and answers its id. */
async function firstImage(page: Page): Promise<string> {
  await page.getByTestId('grid-cell').first().dblclick();
  const image = page.getByTestId('review-image');
  await expect(image).toHaveAttribute('data-kind', 'display');
  return (await image.getAttribute('data-image-id'))!;
}

const apiCall = (page: Page, method: string, body: unknown) =>
  page.evaluate(async ({ method, body }) => {
    const response = await fetch(`/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { value?: { label?: unknown }; error?: { message: string } } };
  }, { method, body });

test('two graders grade one image blind, the server refuses what they may not see yet, and the adjudicator decides and undoes', async ({ browser }) => {
  const ana = await signedIn(browser, 'Ana');
  const imageId = await firstImage(ana);
  await ana.keyboard.press('1');
  await expect(ana.getByTestId('review-today')).toHaveText(/^1 graded today/);

  const ben = await signedIn(browser, 'Ben');
  expect(await firstImage(ben)).toBe(imageId);
  // Before grading it, Ben's own browser cannot read Ana's grade or the label history: refused by the server.
  const refused = await apiCall(ben, 'labels.history', { imageId: Number(imageId) });
  expect(refused.status).toBe(403);
  expect(refused.body.error!.message).toMatch(/graded blind/);
  const detail = await apiCall(ben, 'images.get', { imageId: Number(imageId) });
  expect(detail.body.value!.label).toBeNull();
  // The model's pictures of the image are its output too (checked before the model is even looked up).
  const gradcam = () => ben.evaluate(async (id) => (await fetch(`/media/gradcam/${id}?model=1`)).status, imageId);
  expect(await gradcam()).toBe(403);
  await ben.keyboard.press('3');
  await expect(ben.getByTestId('review-today')).toHaveText(/^1 graded today/);
  expect((await apiCall(ben, 'labels.history', { imageId: Number(imageId) })).status).toBe(200);
  expect(await gradcam()).toBe(404); // graded now; this demo has no model

  const dev = await signedIn(browser, 'Dev');
  await dev.keyboard.press('Control+8');
  await expect(dev.getByTestId('adjudication-rule')).toHaveText('Referred: the grades differ');
  await expect(dev.getByTestId('adjudication-case')).toContainText('Ana');
  await expect(dev.getByTestId('adjudication-case')).toContainText('Ben');
  await dev.keyboard.press('2');
  await expect(dev.getByTestId('adjudication-decision')).toContainText('Final label');
  const history = JSON.parse(await gradedeskCli(dataDir, '--json', 'history', imageId, '--project', 'Demo')) as {
    events: Array<{ readerName: string | null; source: string; origin: string | null; value: unknown }>;
  };
  expect(history.events.filter((e) => e.readerName !== null).map((e) => [e.readerName, e.source, e.value])).toEqual([
    ['Ana', 'reader', 1],
    ['Ben', 'reader', 3],
    ['Dev', 'adjudication', 2],
  ]);
  await dev.keyboard.press('Control+z');
  await expect(dev.getByTestId('adjudication-decision')).toHaveText('Waiting for your decision.');
});
