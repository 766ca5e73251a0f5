import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { showWhenReady, windowOptions } from '../../src/main/desktop/window-options';

describe('the desktop window', () => {
  const preload = path.join('/opt/gradedesk/out/preload/index.cjs');

  it('runs a sandboxed, context-isolated renderer without Node, with the preload as its only bridge', () => {
    expect(windowOptions(preload).webPreferences).toEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      preload,
    });
  });

  it('is titled Gradedesk, dark before the first paint, and hidden until then', () => {
    const options = windowOptions(preload);
    expect(options).toMatchObject({ title: 'Gradedesk', backgroundColor: '#111214', show: false });
    expect(options.width).toBeGreaterThanOrEqual(options.minWidth!);
    expect(options.height).toBeGreaterThanOrEqual(options.minHeight!);
  });

  it('is shown on ready-to-show', () => {
    let ready: (() => void) | undefined;
    let shown = 0;
    showWhenReady({
      once: (event, listener) => {
        expect(event).toBe('ready-to-show');
        ready = listener;
      },
      show: () => shown++,
    });
    expect(shown).toBe(0);
    ready!();
    expect(shown).toBe(1);
  });
});
