import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { gradedeskCli, gradedeskCliWithInput, startGradedesk, type RunningGradedesk } from './support/gradedesk';

/**
 * The People view on a team server: an admin adds a grader with the keyboard, signs them out everywhere
 * and disables them while the grader works in another browser; makes a sign-in link and changes a role;
 * every refusal is the server's sentence and keeps what was typed. A grader is not offered the view.
 */
let root: string;
let dataDir: string;
let app: RunningGradedesk;

const ANA_PASSWORD = 'ana-grades-retinas';

test.beforeAll(async () => {
  test.setTimeout(120_000);
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-people-ui-'));
  dataDir = path.join(root, 'data');
  await gradedeskCli(dataDir, 'demo', '--count', '6', '--seed', '3');
  await gradedeskCliWithInput(dataDir, 'carla-runs-the-centre\n', 'user', 'add', 'Carla', '--role', 'admin', '--password-stdin');
  app = await startGradedesk(dataDir);
});

test.afterAll(async () => {
  await app?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

async function signIn(page: Page, name: string, password: string) {
  await page.goto(app.url);
  await expect(page.getByRole('heading', { name: 'Sign in to Gradedesk' })).toBeVisible();
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.keyboard.press('Enter');
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Views' });
const row = (page: Page, name: string) => page.locator(`[data-testid="person-row"][data-name="${name}"]`);

test('an admin adds a grader, signs them out everywhere, then disables them; the grader never sees People', async ({ browser }) => {
  test.setTimeout(120_000);
  const adminContext = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const graderContext = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const admin = await adminContext.newPage();
  const grader = await graderContext.newPage();

  await signIn(admin, 'Carla', 'carla-runs-the-centre');
  await expect(admin.getByTestId('signed-in')).toHaveText('Signed in as Carla');
  await admin.keyboard.press('Control+9');
  await expect(admin.getByRole('heading', { name: /^People/ })).toBeVisible();
  await expect(nav(admin).getByRole('button', { name: 'People' })).toHaveAttribute('aria-current', 'page');
  await expect(row(admin, 'Carla')).toContainText('Carla (you)');
  await expect(row(admin, 'Carla').getByRole('button', { name: 'Disable…' })).toHaveCount(0);

  // Add Ana with the keyboard: the name has the focus, Tab goes role → password → again, Enter submits.
  await admin.getByTestId('people-add').click();
  const add = admin.getByRole('dialog', { name: 'Add a person' });
  await expect(add.getByLabel('Name')).toBeFocused();
  await admin.keyboard.type('Ana');
  await admin.keyboard.press('Tab');
  await expect(add.getByLabel('Role')).toBeFocused();
  await expect(add.getByLabel('Role')).toHaveValue('grader');
  await admin.keyboard.press('Tab');
  await admin.keyboard.type('too-short');
  await admin.keyboard.press('Tab');
  await admin.keyboard.type('too-short');
  await admin.keyboard.press('Enter');
  await expect(add.getByRole('alert')).toHaveText('A password has at least 10 characters.');
  await expect(add.getByLabel('Name')).toHaveValue('Ana');
  await add.getByLabel('Password', { exact: true }).fill(ANA_PASSWORD);
  await add.getByLabel('Password again').fill(`${ANA_PASSWORD}!`);
  await admin.keyboard.press('Enter');
  await expect(add.getByRole('alert')).toHaveText('The two passwords differ; type the same password twice.');
  await add.getByLabel('Password again').fill(ANA_PASSWORD);
  await admin.keyboard.press('Enter');
  await expect(add).toHaveCount(0);
  await expect(admin.getByTestId('people-notice')).toHaveText('Ana may sign in as grader, with a password or a link.');
  await expect(row(admin, 'Ana').getByTestId('person-role')).toHaveText('grader');
  await expect(row(admin, 'Ana').getByTestId('person-status')).toHaveText('active');
  await admin.screenshot({ path: test.info().outputPath('people-team-1280x720.png') });

  // A refusal is the server's sentence, and what was typed stays; Esc closes the dialog.
  await admin.getByTestId('people-add').click();
  await admin.keyboard.type('ana');
  await add.getByLabel('Password', { exact: true }).fill('another-long-password');
  await add.getByLabel('Password again').fill('another-long-password');
  await add.getByRole('button', { name: 'Add' }).click();
  await expect(add.getByRole('alert')).toHaveText('Ana already has a password; to start them again, disable them, then add them again.');
  await expect(add.getByLabel('Name')).toHaveValue('ana');
  await expect(add.getByLabel('Password again')).toHaveValue('another-long-password');
  await admin.keyboard.press('Escape');
  await expect(add).toHaveCount(0);

  // The grader signs in elsewhere: no People in the views, Ctrl+9 does nothing, and the server refuses the calls.
  await signIn(grader, 'Ana', ANA_PASSWORD);
  await expect(grader.getByTestId('signed-in')).toHaveText('Signed in as Ana');
  await expect(nav(grader).getByRole('button')).toHaveText(['Projects', 'Library', 'Review', 'Triage', 'Train', 'Evaluate', 'Agreement', 'Adjudication']);
  await grader.keyboard.press('Control+9');
  await expect(grader.getByTestId('people-view')).toHaveCount(0);
  const refused = await grader.evaluate(async () => {
    const response = await fetch('/api/people.list', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    return { status: response.status, body: await response.json() };
  });
  expect(refused).toEqual({ status: 403, body: { ok: false, error: { code: 'forbidden', message: 'Only an admin may do this (people.list); you are signed in as Ana, grader.' } } });

  // Signed out everywhere: the grader's next request brings the sign-in screen.
  await row(admin, 'Ana').getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(admin.getByTestId('people-notice')).toHaveText('Signed Ana out everywhere: 1 session or link ended. They may sign in again.');
  await expect(row(admin, 'Ana').getByTestId('person-sessions')).toHaveText('0');
  await expect(row(admin, 'Ana').getByTestId('person-last-sign-in')).not.toHaveText('never');
  await grader.getByTestId('project-open').first().click();
  await expect(grader.getByRole('heading', { name: 'Sign in to Gradedesk' })).toBeVisible();

  // She signs in again; then disabling ends that session too, and her password no longer opens anything.
  await grader.getByLabel('Name').fill('Ana');
  await grader.getByLabel('Password').fill(ANA_PASSWORD);
  await grader.keyboard.press('Enter');
  await expect(grader.getByTestId('signed-in')).toHaveText('Signed in as Ana');
  await row(admin, 'Ana').getByRole('button', { name: 'Disable…' }).click();
  const confirm = admin.getByRole('alertdialog');
  await expect(confirm).toContainText('every session and sign-in link of theirs ends now');
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await confirm.getByRole('button', { name: 'Disable Ana' }).click();
  await expect(admin.getByTestId('people-notice')).toHaveText('Disabled Ana: they can no longer sign in, and their sessions have ended. Their grades stay theirs.');
  await expect(row(admin, 'Ana').getByTestId('person-status')).toHaveText(/^disabled /);
  // She is back in the project she opened; going to the project list asks the server for it.
  await nav(grader).getByRole('button', { name: 'Projects' }).click();
  await expect(grader.getByRole('heading', { name: 'Sign in to Gradedesk' })).toBeVisible();
  await grader.getByLabel('Name').fill('Ana');
  await grader.getByLabel('Password').fill(ANA_PASSWORD);
  await grader.keyboard.press('Enter');
  await expect(grader.getByRole('alert')).toHaveText('That name and password do not match anyone who may sign in here.');

  // Enabled again with a new password, she signs in with it.
  await row(admin, 'Ana').getByRole('button', { name: 'Enable…' }).click();
  const enable = admin.getByRole('dialog', { name: 'Enable Ana again' });
  await expect(enable.getByLabel('Role')).toBeFocused();
  await enable.getByLabel('Password', { exact: true }).fill('ana-is-back-again');
  await enable.getByLabel('Password again').fill('ana-is-back-again');
  await admin.keyboard.press('Enter');
  await expect(row(admin, 'Ana').getByTestId('person-status')).toHaveText('active');
  await grader.getByLabel('Password').fill('ana-is-back-again');
  await grader.keyboard.press('Enter');
  await expect(grader.getByTestId('signed-in')).toHaveText('Signed in as Ana');

  await adminContext.close();
  await graderContext.close();
});

test('an admin makes a one-time sign-in link, shown once with its expiry and copied; changes a role; the last admin stays one', async ({ browser }) => {
  test.setTimeout(90_000);
  const adminContext = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await adminContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.origin });
  const admin = await adminContext.newPage();
  await signIn(admin, 'Carla', 'carla-runs-the-centre');
  await nav(admin).getByRole('button', { name: 'People' }).click();

  // Dev has no password: an adjudicator who signs in by link.
  await admin.getByTestId('people-add').click();
  const add = admin.getByRole('dialog', { name: 'Add a person' });
  await admin.keyboard.type('Dev');
  await add.getByLabel('Role').selectOption('adjudicator');
  await admin.keyboard.press('Enter');
  await expect(admin.getByTestId('people-notice')).toHaveText('Dev may sign in as adjudicator, with a link only: make them one with “Sign-in link…”.');

  await row(admin, 'Dev').getByRole('button', { name: 'Sign-in link…' }).click();
  const dialog = admin.getByRole('dialog', { name: 'Sign-in link for Dev' });
  await expect(dialog.getByLabel('Valid for (hours, 1 to 168)')).toBeFocused();
  await admin.keyboard.press('Control+A');
  await admin.keyboard.type('200');
  await admin.keyboard.press('Enter');
  await expect(dialog.getByRole('alert')).toHaveText('A link is valid for a whole number of hours, from 1 to 168 (a week).');
  const before = Date.now();
  await dialog.getByLabel('Valid for (hours, 1 to 168)').fill('2');
  await admin.keyboard.press('Enter');
  const address = dialog.getByTestId('link-address');
  await expect(address).toHaveValue(new RegExp(`^${app.origin.replace(/[.]/g, '\\.')}/session/link\\?token=`));
  const expiry = new Date(await dialog.getByTestId('link-expiry').innerText()).getTime();
  expect(Math.abs(expiry - (before + 2 * 3600_000))).toBeLessThan(120_000);
  await expect(dialog.getByRole('button', { name: 'Copy' })).toBeFocused();
  await admin.keyboard.press('Enter');
  await expect(dialog.getByTestId('link-copied')).toHaveText('Copied.');
  const link = await address.inputValue();
  const clipboard = () => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText();
  expect(await admin.evaluate(clipboard)).toBe(link);
  await admin.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  // The link signs Dev in once, in a browser of his own.
  const devContext = await browser.newContext();
  const dev = await devContext.newPage();
  await dev.goto(link);
  await expect(dev.getByTestId('signed-in')).toHaveText('Signed in as Dev');
  await devContext.close();

  // Roles: Dev becomes a grader; Carla, the only admin, cannot stop being one (the server's sentence).
  await row(admin, 'Dev').getByRole('button', { name: 'Role…' }).click();
  const devRole = admin.getByRole('dialog', { name: 'Role of Dev' });
  await devRole.getByLabel('Role').selectOption('grader');
  await admin.keyboard.press('Enter');
  await expect(row(admin, 'Dev').getByTestId('person-role')).toHaveText('grader');
  await row(admin, 'Carla').getByRole('button', { name: 'Role…' }).click();
  const carlaRole = admin.getByRole('dialog', { name: 'Role of Carla' });
  await carlaRole.getByLabel('Role').selectOption('grader');
  await admin.keyboard.press('Enter');
  await expect(carlaRole.getByRole('alert')).toHaveText('Carla is the only admin here; make someone else an admin first.');
  await expect(carlaRole.getByLabel('Role')).toHaveValue('grader');
  await admin.keyboard.press('Escape');
  await expect(row(admin, 'Carla').getByTestId('person-role')).toHaveText('admin');
  const listed = JSON.parse(await gradedeskCli(dataDir, '--json', 'user', 'list')) as Array<{ name: string; role: string }>;
  expect(listed.filter((p) => p.name !== 'Ana').map((p) => [p.name, p.role])).toEqual([['Carla', 'admin'], ['Dev', 'grader']]);
  await adminContext.close();
});
