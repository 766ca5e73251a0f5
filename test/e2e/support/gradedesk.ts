import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, type Browser, type Page } from '@playwright/test';

export interface RunningGradedesk {
  /** The tokened link `gradedesk serve` prints. */
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts the real app in browser mode, as a user would (`gradedesk --data DIR serve --json`), on the
 * built output that `npm test` makes before the end-to-end tests run.
 */
export async function startGradedesk(dataDir?: string): Promise<RunningGradedesk> {
  const dir = dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-e2e-')));
  const child = spawn(process.execPath, ['bin/gradedesk.cjs', '--data', dir, 'serve', '--port', '0', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      try {
        resolve(JSON.parse(out));
      } catch {
        // The JSON is not complete yet.
      }
    });
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) => reject(new Error(`gradedesk serve exited with ${code}: ${err}`)));
  });
  return { url, token, origin: new URL(url).origin, dataDir: dir, stop: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Runs the CLI against a data directory (for setting up projects the test does not need to click through). */
export function gradedeskCli(dataDir: string, ...args: string[]): Promise<string> {
  return gradedeskCliWithInput(dataDir, null, ...args);
}

/** The same, with `input` on its standard input (a password for `user add --password-stdin`). */
export function gradedeskCliWithInput(dataDir: string, input: string | null, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/gradedesk.cjs', '--data', dataDir, ...args], { stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input !== null) child.stdin!.end(input);
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk) => (out += chunk));
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`gradedesk ${args.join(' ')} failed: ${err}`))));
  });
}

export interface DemoSession {
  app: RunningGradedesk;
  page: Page;
  close(): Promise<void>;
}

/**
 * The demo project (60 photographs) in browser mode with a reader chosen and the project open,
 * optionally with a small model trained from the CLI first.
 */
export async function openDemoSession(browser: Browser, options: { trained: boolean }): Promise<DemoSession> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gradedesk-demo-ui-'));
  const dataDir = path.join(root, 'data');
  await gradedeskCli(dataDir, 'demo', '--count', '60', '--seed', '5');
  if (options.trained) await gradedeskCli(dataDir, 'train', '--project', 'Demo', '--size', '96', '--epochs', '4', '--folds', '2');
  const app = await startGradedesk(dataDir);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(app.url);
  await page.getByPlaceholder('Your name').fill('Dr Ellis');
  await page.getByRole('button', { name: 'Start reading' }).click();
  await page.getByTestId('project-open').first().click();
  return {
    app,
    page,
    close: async () => {
      await page.close();
      await app.stop();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * One demo session shared by a spec's tests, which then run in order: opened before them (given
 * `timeoutMs` to train when `trained`), closed after; `onOpen` receives it.
 */
export function shareDemoSession(options: { trained: boolean; timeoutMs: number }, onOpen: (session: DemoSession) => void): void {
  let session: DemoSession | undefined;
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(options.timeoutMs);
    session = await openDemoSession(browser, { trained: options.trained });
    onOpen(session);
  });
  test.afterAll(async () => {
    await session?.close();
  });
}
