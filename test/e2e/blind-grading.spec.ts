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
  await gradedeskCli(dataDir, 'user', 'add', 'Carla', '--role', 'admin');
  await gradedeskCli(dataDir, 'protocol', 'set', '--project', 'Demo', '--reader', 'Carla', '--kind', 'double-adjudicated', '--graders', '2', '--refer', 'any-difference');
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

/** From the Library's first image, one key per image; Review moves on after each grade. */
async function gradeAll(page: Page, grades: number[]): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' }).click();
  await page.getByTestId('grid-cell').first().dblclick();
  const shown = async () => page.getByTestId('review-image').getAttribute('data-image-id');
  await expect(page.getByTestId('review-image')).toBeVisible();
  for (const [i, grade] of grades.entries()) {
    const before = await shown();
    await page.keyboard.press(String(grade));
    if (i < grades.length - 1) await expect.poll(shown, { timeout: 10_000 }).not.toBe(before);
    else await expect(page.getByTestId('review-status')).toContainText('last image');
  }
}

// The six images in Library order. Ana: 1 0 2 2 4 0; Ben: 3 0 2 3 4 1. They agree on 3 of 6 (p_o = 0.5);
// Ana gives 0 twice, 1, 2 twice and 4 once, Ben 0, 1, 2, 3 twice and 4 once, so
// p_e = (2·1 + 1·1 + 2·1 + 0·2 + 1·1)/36 = 1/6 and κ = (0.5 − 1/6)/(1 − 1/6) = 0.400.
// The adjudicator decides grade 2 for the three disagreements: final 2 0 2 2 4 2. Ana against it agrees on
// 4 of 6; the final has 0 once, 2 four times and 4 once, so p_e = (2·1 + 2·4 + 1·1)/36 = 11/36 and
// κ = (2/3 − 11/36)/(1 − 11/36) = 0.520.
const ANA = [1, 0, 2, 2, 4, 0];
const BEN = [3, 0, 2, 3, 4, 1];

test('the graders grade all six blind, the adjudicator resolves the three disagreements, Agreement shows κ, and signing out ends the session', async ({ browser }) => {
  test.setTimeout(120_000);
  const ana = await signedIn(browser, 'Ana');
  await gradeAll(ana, ANA);
  const ben = await signedIn(browser, 'Ben');
  await gradeAll(ben, BEN);
  // A grader may not see agreement before the project is settled: refused by the server.
  expect((await apiCall(ben, 'agreement.summary', { projectId: 1 })).status).toBe(403);

  const dev = await signedIn(browser, 'Dev');
  await dev.keyboard.press('Control+8');
  for (let decided = 0; decided < 3; decided++) {
    await expect(dev.getByTestId('adjudication-decision')).toHaveText('Waiting for your decision.');
    const shown = await dev.getByTestId('adjudication-case').getAttribute('data-image-id');
    await dev.keyboard.press('2');
    if (decided < 2) await expect.poll(() => dev.getByTestId('adjudication-case').getAttribute('data-image-id')).not.toBe(shown);
  }
  await expect(dev.getByTestId('adjudication-decision')).toContainText('Final label');

  await dev.keyboard.press('Control+7');
  const pair = dev.getByTestId('agreement-pairs').locator('tr[data-pair="Ana|Ben"]');
  await expect(pair.getByTestId('pair-kappa')).toHaveText('0.400');
  await expect(pair.locator('td').first()).toHaveText('6');
  await expect(dev.getByTestId('agreement-final').locator('tr[data-grader="Ana"]').getByTestId('final-kappa')).toHaveText('0.520');

  // Ana signs out: her page is back at sign-in, and the cookie her browser held no longer opens anything.
  const [cookie] = (await ana.context().cookies()).filter((c) => c.name === 'gd_session');
  await ana.getByRole('button', { name: 'Sign out' }).click();
  await expect(ana.getByLabel('Password')).toBeVisible();
  const replay = await fetch(`${app.origin}/api/projects.list`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `gd_session=${cookie!.value}` },
    body: '{}',
  });
  expect(replay.status).toBe(401);
});
