import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { chromium, type Page } from '@playwright/test';
import { taskSpecFor } from '../../shared/domain';
import { startBridge } from '../bridge/server';
import { cachedImagePath } from '../imaging/cache';
import type { NewImage } from '../store/images';
import { Workspace } from '../app/workspace';
import { builtRendererDir } from './built-renderer';
import { printFigure } from './measure';

const IMAGES = 100_000;
/** Distinct thumbnails on disk; image rows share them, as a project of many similar photographs would. */
const DISTINCT_THUMBNAILS = 500;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

async function largeProject(workspace: Workspace): Promise<number> {
  const shas: string[] = [];
  for (let i = 0; i < DISTINCT_THUMBNAILS; i++) {
    const sha = i.toString(16).padStart(64, 'a');
    const file = cachedImagePath(workspace.cacheDir, 'thumbnails', sha);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const hue = Buffer.from([(i * 37) % 256, (i * 91) % 256, (i * 53) % 256]);
    await sharp(hue, { raw: { width: 1, height: 1, channels: 3 } }).resize(256, 192, { kernel: 'nearest' }).jpeg().toFile(file);
    shas.push(sha);
  }
  const { store } = workspace;
  const project = store.projects.create('Large', taskSpecFor('dr-grade'));
  const reader = store.readers.ensure('Bench reader');
  store.transaction(() => {
    for (let i = 0; i < IMAGES; i++) {
      const stem = `${10000 + Math.floor(i / 2)}_${i % 2 ? 'right' : 'left'}`;
      const row: NewImage = {
        projectId: project.id, path: `/clinic/${stem}.jpeg`, fileName: `${stem}.jpeg`, stem, sha256: shas[i % DISTINCT_THUMBNAILS]!,
        phash: null, detailHash: null, width: 2048, height: 1536, bytes: 400_000, format: 'jpeg', groupId: stem.split('_')[0]!,
        eye: i % 2 ? 'right' : 'left', status: 'ok', errorKind: null, errorText: null,
      };
      const id = store.images.insert(row);
      if (i % 10 < 6) store.labels.record(project.task, { imageId: id, value: (i * 7) % 5, source: 'reader', readerId: reader.id });
    }
  });
  return project.id;
}

/** Marks the first grid cell, its first painted frame and its first loaded thumbnail, from navigation start. */
const PAGE_PROBES = `
  window.__marks = {};
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-testid="grid-cell"], .baseline-cell') && !window.__marks.firstCell) {
      window.__marks.firstCell = performance.now();
      requestAnimationFrame(() => setTimeout(() => (window.__marks.firstPaint = performance.now())));
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
  document.addEventListener('load', (event) => {
    if (event.target.tagName === 'IMG' && !window.__marks.firstThumbnail) window.__marks.firstThumbnail = performance.now();
  }, true);
`;

/**
 * Scrolls the element (or its scrolling descendant) from top to bottom, 1.5 viewports a frame, and
 * returns the longest frame and the long tasks (over 50 ms) the page saw meanwhile. Runs in the page.
 */
const SCROLL_THROUGH = `async (selector) => {
  const root = document.querySelector(selector);
  const scroller = [root, ...root.querySelectorAll('*')].find((el) => el.scrollHeight > el.clientHeight + 10 && getComputedStyle(el).overflowY !== 'visible');
  const longTasks = [];
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((entry) => longTasks.push(entry.duration)));
  observer.observe({ type: 'longtask' });
  let longestFrameMs = 0;
  let frames = 0;
  await new Promise((resolve) => {
    let last = performance.now();
    const step = () => {
      const now = performance.now();
      longestFrameMs = Math.max(longestFrameMs, now - last);
      last = now;
      frames++;
      if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1) return resolve();
      scroller.scrollTop += scroller.clientHeight * 1.5;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  observer.disconnect();
  return { longestFrameMs, longTasks: longTasks.length, longestTaskMs: Math.max(0, ...longTasks), frames };
}`;

function scrollThrough(page: Page, selector: string): Promise<{ longestFrameMs: number; longTasks: number; longestTaskMs: number; frames: number }> {
  return page.evaluate(`(${SCROLL_THROUGH})(${JSON.stringify(selector)})`);
}

/** The bare baseline: a static page of plain <img> cells over a scroller of the same height, no framework. */
function baselinePage(rendererDir: string, projectImageIds: number[]): void {
  const cells = projectImageIds.map((id) => `<div class="baseline-cell"><img src="/media/thumbnail/${id}" width="160" height="120"></div>`).join('');
  fs.writeFileSync(
    path.join(rendererDir, 'baseline.html'),
    `<!doctype html><html><head><link rel="stylesheet" href="baseline.css"></head><body><div id="scroller"><div id="tall">${cells}</div></div></body></html>`,
  );
  fs.writeFileSync(
    path.join(rendererDir, 'baseline.css'),
    `body{margin:0} #scroller{height:100vh;overflow:auto} #tall{height:${Math.ceil(IMAGES / 8) * 190}px} .baseline-cell{display:inline-block;width:170px;height:190px}`,
  );
}

export async function benchGridUi(scratch: string): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    process.stdout.write(`(UI benchmarks skipped: ${CHROMIUM} not found; apt-get install chromium)\n`);
    return;
  }
  const builtRenderer = builtRendererDir();
  const rendererDir = path.join(scratch, 'renderer');
  fs.cpSync(builtRenderer, rendererDir, { recursive: true });
  const workspace = Workspace.open(path.join(scratch, 'ui-data'));
  const projectId = await largeProject(workspace);
  baselinePage(rendererDir, workspace.store.images.page(workspace.store.projects.get(projectId).task, { projectId, limit: 48 }).rows.map((r) => r.id));
  const bridge = await startBridge({ workspace, rendererDir, version: 'bench' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const place = { projectId, view: 'library', imageId: null, library: { filter: {}, sort: 'name', descending: false, focusIndex: 0 } };
    await context.addInitScript(`localStorage.setItem('gradedesk.reader', 'Bench reader'); localStorage.setItem('gradedesk.place', ${JSON.stringify(JSON.stringify(place))}); ${PAGE_PROBES}`);
    const page = await context.newPage();
    // Sign in with the link once, so that later navigations carry the session cookie.
    await page.goto(bridge.url);

    const measureOpen = async (url: string) => {
      await page.goto(url);
      // Polled from outside: waitForFunction would evaluate in the page, which the app's CSP forbids.
      for (const started = Date.now(); Date.now() - started < 30_000; await new Promise((r) => setTimeout(r, 20))) {
        const marks = await page.evaluate<Record<string, number>>('window.__marks');
        if (marks.firstThumbnail && marks.firstPaint) return marks;
      }
      throw new Error(`The grid did not show a thumbnail within 30 s of opening ${url}.`);
    };
    const baselineOpen = await measureOpen(`${bridge.origin}/baseline.html`);
    const baselineScroll = await scrollThrough(page, '#scroller');
    const appOpen = await measureOpen(`${bridge.origin}/`);
    const appScroll = await scrollThrough(page, '[data-testid="library-grid"]');

    printFigure({
      name: `Library: first grid paint after opening a ${IMAGES.toLocaleString('en')}-image project (from navigation start)`,
      value: appOpen.firstPaint!,
      unit: 'ms',
      baseline: { name: 'static page of <img> cells', value: baselineOpen.firstPaint! },
      goal: '< 1000 ms',
      met: appOpen.firstPaint! < 1000,
    });
    printFigure({ name: 'Library: first thumbnail shown', value: appOpen.firstThumbnail!, unit: 'ms', baseline: { name: 'static page', value: baselineOpen.firstThumbnail! } });
    printFigure({
      name: `Library: main-thread tasks of 50 ms or more while scrolling the whole grid (${appScroll.frames} frames; longest ${appScroll.longestTaskMs.toFixed(1)} ms)`,
      value: appScroll.longTasks,
      unit: 'tasks',
      goal: 'longest task < 50 ms, i.e. none',
      met: appScroll.longTasks === 0,
    });
    printFigure({
      name: 'Library: longest frame interval while scrolling (an upper bound of the longest task: it also holds compositing and idle time)',
      value: appScroll.longestFrameMs,
      unit: 'ms',
      baseline: { name: 'empty scroller of the same height', value: baselineScroll.longestFrameMs },
    });
  } finally {
    await browser.close();
    await bridge.close();
    await workspace.close();
  }
}
