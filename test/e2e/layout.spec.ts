import { expect, test, type Page } from '@playwright/test';
import { gradedeskCli, shareDemoSession } from './support/gradedesk';

/**
 * Every view at a laptop's 1280×720 and a desktop's 1920×1080, with a trained model so that every panel
 * is filled: a screenshot of each, and no control drawn over another or cut off by the window. The reader
 * is an admin, so the Projects view has its admin's controls and the grading protocol dialog is measured too.
 */
let page: Page;
let dataDir: string;

shareDemoSession({ trained: true, timeoutMs: 240_000 }, (opened) => ((page = opened.page), (dataDir = opened.app.dataDir)));
test.beforeAll(() => gradedeskCli(dataDir, 'user', 'add', 'Dr Ellis', '--role', 'admin'));

const VIEWS = ['Projects', 'Library', 'Review', 'Triage', 'Train', 'Evaluate', 'Agreement', 'Adjudication', 'People'] as const;

interface Clash {
  a: string;
  b: string;
}

/**
 * Pairs of visible controls whose boxes overlap (neither inside the other), controls that something else
 * is drawn over (the topmost element at the middle of what shows of them is not theirs), and controls
 * reaching past the window's edge. Each box is clipped by the scrolling or clipping boxes around it first,
 * so a control scrolled out of its panel does not count.
 */
function clashes(): { overlaps: Clash[]; covered: Clash[]; cutOff: string[] } {
  type Box = { left: number; top: number; right: number; bottom: number };
  const root = globalThis as unknown as {
    document: { querySelectorAll(s: string): ArrayLike<Element>; elementFromPoint(x: number, y: number): Element | null };
    innerWidth: number;
    innerHeight: number;
    getComputedStyle(e: Element): { overflowX: string; overflowY: string; visibility: string; display: string; position: string };
  };
  type Element = {
    getBoundingClientRect(): Box & { width: number; height: number };
    parentElement: Element | null;
    contains(other: Element): boolean;
    tagName: string;
    textContent: string | null;
    getAttribute(name: string): string | null;
    closest(selector: string): Element | null;
    querySelectorAll(s: string): ArrayLike<Element>;
  };
  const describe = (e: Element) =>
    `${e.tagName.toLowerCase()}[${e.getAttribute('data-testid') ?? e.getAttribute('aria-label') ?? (e.textContent ?? '').trim().slice(0, 30)}]`;
  /** Cut off sideways: a panel scrolls up and down, but a control half hidden to the right is missed. */
  const sideways: string[] = [];
  const clipped = (e: Element): Box | null => {
    const r = e.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return null;
    let box: Box = { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    // A fixed box (a dialog's backdrop) is placed on the window: the boxes around it in the page do not clip it.
    for (let p = e.parentElement, fixed = root.getComputedStyle(e).position === 'fixed'; p && !fixed; p = p.parentElement) {
      const style = root.getComputedStyle(p);
      fixed = style.position === 'fixed';
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const c = p.getBoundingClientRect();
      box = { left: Math.max(box.left, c.left), top: Math.max(box.top, c.top), right: Math.min(box.right, c.right), bottom: Math.min(box.bottom, c.bottom) };
    }
    box = { left: box.left, top: Math.max(box.top, 0), right: box.right, bottom: Math.min(box.bottom, root.innerHeight) };
    const inViewVertically = box.bottom - box.top >= 2;
    if (inViewVertically && (r.right > box.right + 1 || r.left < box.left - 1)) sideways.push(describe(e));
    return inViewVertically && box.right - box.left >= 2 ? box : null;
  };
  // With a dialog open, what lies behind its backdrop is meant to be covered: only the dialog's controls count.
  const modals = root.document.querySelectorAll('[aria-modal="true"]');
  const scope = modals.length > 0 ? modals[modals.length - 1]! : root.document;
  const controls = Array.from(scope.querySelectorAll('button, select, input, textarea, a[href], [role="slider"], [data-testid="review-image"]')).filter(
    (e) => root.getComputedStyle(e).visibility !== 'hidden' && !e.closest('[aria-hidden="true"]'),
  );
  const boxes = controls.map((e) => ({ e, box: clipped(e) })).filter((c): c is { e: Element; box: Box } => c.box !== null);
  const overlaps: Clash[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i]!, boxes[j]!];
      if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
      const w = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
      const h = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
      if (w > 1 && h > 1) overlaps.push({ a: describe(a.e), b: describe(b.e) });
    }
  }
  const covered: Clash[] = [];
  for (const { e, box } of boxes) {
    const x = (box.left + box.right) / 2;
    const y = (box.top + box.bottom) / 2;
    if (x < 0 || y < 0 || x >= root.innerWidth || y >= root.innerHeight) continue;
    const top = root.document.elementFromPoint(x, y);
    if (top && !e.contains(top) && !top.contains(e)) covered.push({ a: describe(e), b: describe(top) });
  }
  const cutOff = [...sideways, ...boxes.filter((c) => c.box.right > root.innerWidth + 1 || c.box.left < -1).map((c) => describe(c.e))];
  return { overlaps, covered, cutOff };
}

for (const [width, height] of [
  [1280, 720],
  [1920, 1080],
] as const) {
  test(`every view at ${width}×${height}: no control over another, none cut off by the window`, async () => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width, height });
    for (const view of VIEWS) {
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: view }).click();
      if (view === 'Review') await expect(page.getByTestId('review-image')).toHaveAttribute('data-kind', 'display');
      if (view === 'Evaluate') await expect(page.getByTestId('headline-metrics').first()).toBeVisible();
      if (view === 'Triage') await expect(page.getByTestId('triage-item').first()).toBeVisible();
      if (view === 'Agreement') await expect(page.getByTestId('agreement-notes')).toBeVisible();
      if (view === 'Adjudication') await expect(page.getByTestId('adjudication-empty')).toBeVisible();
      if (view === 'People') await expect(page.getByTestId('person-row').first()).toBeVisible();
      await expectTidy(view, width, height);
    }
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Projects' }).click();
    await page.getByTestId('project-protocol').first().click();
    // Double with adjudication shows every field of the dialog.
    await page.getByTestId('protocol-kind-double-adjudicated').check();
    await expect(page.getByTestId('protocol-rules')).toBeVisible();
    await expectTidy('Grading protocol', width, height);
    await page.keyboard.press('Escape');
  });
}

async function expectTidy(what: string, width: number, height: number): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: test.info().outputPath(`${what.toLowerCase().replaceAll(' ', '-')}-${width}x${height}.png`) });
  const found = await page.evaluate(clashes);
  expect(found.overlaps, `${what} at ${width}×${height}: overlapping controls`).toEqual([]);
  expect(found.covered, `${what} at ${width}×${height}: controls something is drawn over`).toEqual([]);
  expect(found.cutOff, `${what} at ${width}×${height}: controls cut off at the side`).toEqual([]);
}
