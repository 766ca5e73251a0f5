import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { gradedeskCli, gradedeskCliWithInput, startGradedesk, type RunningGradedesk } from './support/gradedesk';

/** A team server (people with passwords): sign in with the keyboard, grade as oneself, sign out, and the old cookie is dead. */
let root: string;
let dataDir: string;
let app: RunningGradedesk;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-team-ui-'));
  dataDir = path.join(root, 'data');
  await gradedeskCli(dataDir, 'demo', '--count', '12', '--seed', '3');
  await gradedeskCliWithInput(dataDir, 'ana-grades-retinas\n', 'user', 'add', 'Ana', '--role', 'grader', '--password-stdin');
  app = await startGradedesk(dataDir);
});

test.afterAll(async () => {
  await app?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

test('sign in, grade under one’s own name, sign out: back to the sign-in screen and the old cookie refused', async ({ page, context }) => {
  expect(app.url).toBe(`${app.origin}/`);
  await page.goto(app.url);
  await expect(page.getByRole('heading', { name: 'Sign in to Gradedesk' })).toBeVisible();
  await expect(page.getByLabel('Name')).toBeFocused();

  // A wrong password is said in words, and the password field is ready for another try.
  await page.keyboard.type('Ana');
  await page.keyboard.press('Tab');
  await page.keyboard.type('not-her-password');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toHaveText('That name and password do not match anyone who may sign in here.');
  await expect(page.getByLabel('Password')).toBeFocused();

  await page.keyboard.type('ana-grades-retinas');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('signed-in')).toHaveText('Signed in as Ana');
  // Nobody chooses a reader on a team server.
  await expect(page.getByRole('heading', { name: 'Who is reading?' })).toHaveCount(0);
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'gd_session');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000 + 11 * 3600);

  await page.getByTestId('project-open').first().click();
  await page.getByTestId('grid-cell').first().dblclick();
  const image = page.getByTestId('review-image');
  await expect(image).toHaveAttribute('data-kind', 'display');
  const imageId = await image.getAttribute('data-image-id');
  await expect(page.getByText('Grading as Ana')).toBeVisible();
  await page.keyboard.press('3');
  await expect(page.getByTestId('review-today')).toHaveText(/^1 graded today/);
  const history = JSON.parse(await gradedeskCli(dataDir, '--json', 'history', imageId!, '--project', 'Demo')) as { events: Array<{ readerName: string | null; source: string; value: unknown }> };
  expect(history.events.filter((e) => e.source === 'reader').map((e) => [e.readerName, e.value])).toEqual([['Ana', 3]]);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Gradedesk' })).toBeVisible();
  expect((await context.cookies()).filter((c) => c.name === 'gd_session')).toEqual([]);

  // The cookie as it was before signing out (copied, say, by someone else) no longer opens anything.
  const stolen = await fetch(`${app.origin}/api/projects.list`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `gd_session=${cookie!.value}` },
    body: '{}',
  });
  expect(stolen.status).toBe(401);
  const media = await fetch(`${app.origin}/media/thumbnail/${imageId}`, { headers: { cookie: `gd_session=${cookie!.value}` } });
  expect(media.status).toBe(401);
});
