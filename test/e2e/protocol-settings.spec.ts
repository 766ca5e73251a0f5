import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { gradedeskCli, gradedeskCliWithInput, startGradedesk, type RunningGradedesk } from './support/gradedesk';

/**
 * An admin sets a project's grading protocol from the Projects view on a team server: three graders' grades
 * are settled again, the dialog says how many final labels changed, and the Adjudication view lists the image
 * newly referred. A grader does not see the settings.
 */
let root: string;
let dataDir: string;
let app: RunningGradedesk;
/** The Clinic project's images in file order. */
let images: number[];
const PASSWORDS = { Ana: 'ana-grades-retinas', Carla: 'carla-runs-the-centre' };

test.beforeAll(async () => {
  test.setTimeout(120_000);
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-protocol-ui-'));
  dataDir = path.join(root, 'data');
  // The demo's photographs, imported again without labels into a project of their own (the demo's come labelled).
  await gradedeskCli(dataDir, 'demo', '--count', '4', '--seed', '5');
  await gradedeskCli(dataDir, 'project', 'create', 'Clinic', '--task', 'dr-grade');
  await gradedeskCli(dataDir, 'import', path.join(dataDir, 'demo', 'seed-5-count-4', 'images'), '--project', 'Clinic');
  await gradedeskCli(dataDir, 'project', 'create', 'Skin', '--task', 'multilabel', '--classes', 'naevus,melanoma');
  await gradedeskCliWithInput(dataDir, `${PASSWORDS.Carla}\n`, 'user', 'add', 'Carla', '--role', 'admin', '--password-stdin');
  await gradedeskCliWithInput(dataDir, `${PASSWORDS.Ana}\n`, 'user', 'add', 'Ana', '--role', 'grader', '--password-stdin');
  for (const name of ['Ben', 'Cy']) await gradedeskCli(dataDir, 'user', 'add', name, '--role', 'grader');
  await gradedeskCli(dataDir, 'protocol', 'set', '--project', 'Clinic', '--reader', 'Carla', '--kind', 'double-blind', '--graders', '3', '--policy', 'majority', '--queue-order', 'file');
  images = (JSON.parse(await gradedeskCli(dataDir, '--json', 'queue', '--project', 'Clinic', '--reader', 'Carla')) as { imageIds: number[] }).imageIds;
  // Majority settles the first image at 1 and the second at 0; the third they agree on; the fourth waits.
  const grades: Record<string, number[]> = { Ana: [1, 0, 2], Ben: [1, 0, 2], Cy: [3, 1, 2] };
  for (const [name, values] of Object.entries(grades)) {
    for (const [i, value] of values.entries()) await gradedeskCli(dataDir, 'grade', String(images[i]), String(value), '--project', 'Clinic', '--reader', name);
  }
  app = await startGradedesk(dataDir);
});

test.afterAll(async () => {
  await app?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

async function signedIn(browser: Browser, name: keyof typeof PASSWORDS): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  await page.goto(app.url);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(PASSWORDS[name]);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('signed-in')).toHaveText(`Signed in as ${name}`);
  return page;
}

const row = (page: Page, project: string) => page.getByTestId('project-row').filter({ has: page.getByRole('rowheader', { name: project, exact: true }) });

test('the admin switches Clinic from majority to double with adjudication, sees the re-settled counts, and Adjudication lists the referred image', async ({ browser }) => {
  const carla = await signedIn(browser, 'Carla');
  await row(carla, 'Clinic').getByTestId('project-protocol').click();
  const dialog = carla.getByTestId('protocol-dialog');
  // The project's protocol as set: double blind, three graders, majority, file order; the chosen kind has the focus.
  await expect(dialog.getByTestId('protocol-kind-double-blind')).toBeChecked();
  await expect(dialog.getByTestId('protocol-kind-double-blind')).toBeFocused();
  await expect(dialog.getByTestId('protocol-graders')).toHaveValue('3');
  await expect(dialog.getByTestId('protocol-policy')).toHaveValue('majority');
  await expect(dialog.getByTestId('protocol-queue-order')).toHaveValue('file');
  await expect(dialog.getByTestId('protocol-rules')).toHaveCount(0);
  await expect(dialog.getByTestId('protocol-summary')).toContainText(
    "Each image is graded by 3 graders who do not see each other's grades or the model's output until they have graded.",
  );
  await expect(dialog.getByTestId('protocol-summary')).toContainText('when they differ, the grade most of them gave is final');

  // The arrow moves to the next kind; its referral rules appear with the usual three checked.
  await carla.keyboard.press('ArrowDown');
  await expect(dialog.getByTestId('protocol-kind-double-adjudicated')).toBeChecked();
  for (const rule of ['difference-2', 'referable-line', 'ungradable-vs-graded']) await expect(dialog.getByTestId(`protocol-rule-${rule}`)).toBeChecked();
  await expect(dialog.getByTestId('protocol-rule-any-difference')).not.toBeChecked();
  // Tab goes on from the kinds to the graders, then the rules.
  await carla.keyboard.press('Tab');
  await expect(dialog.getByTestId('protocol-graders')).toBeFocused();
  await carla.keyboard.press('Tab');
  await expect(dialog.getByTestId('protocol-rule-difference-2')).toBeFocused();
  await dialog.getByTestId('protocol-rule-ungradable-vs-graded').uncheck();
  await dialog.getByTestId('protocol-policy').selectOption('most-severe');
  await expect(dialog.getByTestId('protocol-summary')).toContainText(
    'An image is referred to an adjudicator on any of: grades two or more steps apart; one grade referable (≥ 2), another not.',
  );
  await expect(dialog.getByTestId('protocol-summary')).toContainText('when they differ otherwise, the most severe of their grades is final');

  // A graders' count the server would refuse is said beside the form, and nothing typed is lost.
  await dialog.getByTestId('protocol-graders').fill('1');
  await dialog.getByTestId('protocol-graders').press('Enter');
  await expect(dialog.getByTestId('protocol-error')).toHaveText('Give the number of graders per image, a whole number from 2 to 10.');
  await expect(dialog.getByTestId('protocol-policy')).toHaveValue('most-severe');
  await dialog.getByTestId('protocol-graders').fill('3');

  // Enter saves; graded images ask first, and Esc on the question leaves the form as it was.
  await dialog.getByTestId('protocol-graders').press('Enter');
  const question = carla.getByRole('alertdialog');
  await expect(question).toContainText('settles the final label of every graded image again');
  await expect(question).toContainText('new event');
  await expect(carla.getByTestId('confirm-cancel')).toBeFocused();
  await carla.keyboard.press('Escape');
  await expect(question).toHaveCount(0);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('protocol-kind-double-adjudicated')).toBeChecked();
  await expect(dialog.getByTestId('protocol-rule-ungradable-vs-graded')).not.toBeChecked();

  await dialog.getByTestId('protocol-save').click();
  await carla.getByTestId('confirm-accept').click();
  // The first image (1, 1, 3) is now referred and its consensus withdrawn; the second (0, 0, 1) goes to the most severe grade.
  await expect(dialog.getByTestId('protocol-result')).toHaveText('Saved. 1 final label changed, 1 withdrawn, 1 image newly referred for adjudication.');
  await expect(dialog.getByTestId('protocol-close')).toHaveText('Close');

  const shown = JSON.parse(await gradedeskCli(dataDir, '--json', 'protocol', 'show', '--project', 'Clinic')) as Record<string, unknown>;
  expect(shown).toMatchObject({ kind: 'double-adjudicated', graders: 3, refer: ['difference-2', 'referable-line'], policy: 'most-severe', queueOrder: 'file' });
  // Each re-settled label is a new event of Carla's, after the graders' own.
  const history = async (imageId: number) =>
    (JSON.parse(await gradedeskCli(dataDir, '--json', 'history', String(imageId), '--project', 'Clinic')) as {
      events: Array<{ readerName: string | null; origin: string | null; value: unknown }>;
    }).events.filter((event) => event.origin?.startsWith('consensus'));
  expect((await history(images[0]!)).map((e) => [e.readerName, e.origin, e.value])).toEqual([
    ['Cy', 'consensus (majority)', 1],
    ['Carla', 'consensus withdrawn (referred: difference-2)', null],
  ]);
  expect((await history(images[1]!)).map((e) => [e.readerName, e.origin, e.value])).toEqual([
    ['Cy', 'consensus (majority)', 0],
    ['Carla', 'consensus (most-severe)', 1],
  ]);

  // Opened again, the dialog shows the saved protocol; Esc closes it.
  await dialog.getByTestId('protocol-close').click();
  await row(carla, 'Clinic').getByTestId('project-protocol').click();
  await expect(dialog.getByTestId('protocol-kind-double-adjudicated')).toBeChecked();
  await expect(dialog.getByTestId('protocol-policy')).toHaveValue('most-severe');
  await carla.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  // The Adjudication view lists the newly referred image, with its rule.
  await row(carla, 'Clinic').getByTestId('project-open').click();
  await carla.keyboard.press('Control+8');
  await expect(carla.getByTestId('adjudication-case')).toHaveAttribute('data-image-id', String(images[0]));
  await expect(carla.getByTestId('adjudication-rule')).toHaveText('Referred: grades two or more steps apart');
});

test('a multilabel project keeps the single protocol, and the dialog says why', async ({ browser }) => {
  const carla = await signedIn(browser, 'Carla');
  await row(carla, 'Skin').getByTestId('project-protocol').click();
  const dialog = carla.getByTestId('protocol-dialog');
  await expect(dialog.getByTestId('protocol-kind-single')).toBeChecked();
  await expect(dialog.getByTestId('protocol-multilabel')).toHaveText(
    'Double grading is for one grade or class per image; a multilabel project keeps the single protocol.',
  );
  await expect(dialog.getByTestId('protocol-kind-double-blind')).toBeDisabled();
  await expect(dialog.getByTestId('protocol-kind-double-adjudicated')).toBeDisabled();
  await carla.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});

test('a grader does not see the grading protocol settings, and the server refuses their change', async ({ browser }) => {
  const ana = await signedIn(browser, 'Ana');
  await expect(row(ana, 'Clinic').getByTestId('project-export')).toBeVisible();
  await expect(ana.getByTestId('project-protocol')).toHaveCount(0);
  const people = JSON.parse(await gradedeskCli(dataDir, '--json', 'user', 'list')) as Array<{ id: number; name: string }>;
  const request = { projectId: 2, readerId: people.find((person) => person.name === 'Ana')!.id, kind: 'single' };
  const refused = await ana.evaluate(async (body) => {
    const response = await fetch('/api/protocol.set', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, message: ((await response.json()) as { error: { message: string } }).error.message };
  }, request);
  expect(refused).toEqual({ status: 403, message: 'Only an admin may do this (protocol.set); you are signed in as Ana, grader.' });
});

test("on one machine the chosen reader's role decides, and a refusal by the server is shown in its words with nothing chosen lost", async ({ browser }) => {
  // Nobody has a password here: single-token mode, where the reader is chosen in the window.
  const dir = path.join(root, 'one-machine');
  await gradedeskCli(dir, 'demo', '--count', '2', '--seed', '3');
  await gradedeskCli(dir, 'user', 'add', 'Dora', '--role', 'admin');
  const alone = await startGradedesk(dir);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(alone.url);
    await page.getByPlaceholder('Your name').fill('Dora');
    await page.getByRole('button', { name: 'Start reading' }).click();
    await row(page, 'Demo').getByTestId('project-protocol').click();
    const dialog = page.getByTestId('protocol-dialog');
    await dialog.getByTestId('protocol-kind-double-blind').check();
    await dialog.getByTestId('protocol-queue-order').selectOption('file');
    // Someone makes Dora a grader while the dialog is open: the server refuses her change.
    await gradedeskCli(dir, 'user', 'add', 'Dora', '--role', 'grader');
    await dialog.getByTestId('protocol-save').click();
    await page.getByTestId('confirm-accept').click();
    await expect(dialog.getByTestId('protocol-error')).toHaveText('Dora is a grader; only an admin changes how a project is graded.');
    await expect(dialog.getByTestId('protocol-kind-double-blind')).toBeChecked();
    await expect(dialog.getByTestId('protocol-queue-order')).toHaveValue('file');
    expect(JSON.parse(await gradedeskCli(dir, '--json', 'protocol', 'show', '--project', 'Demo'))).toMatchObject({ kind: 'single' });
    // Back in Projects, a grader sees no Protocol button.
    await page.keyboard.press('Escape');
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Projects' }).click();
    await expect(row(page, 'Demo').getByTestId('project-export')).toBeVisible();
    await expect(page.getByTestId('project-protocol')).toHaveCount(0);
  } finally {
    await alone.stop();
  }
});
