import type { BrowserWindowConstructorOptions } from 'electron';

/** The app's dark background (app.css `--bg`), shown before the page paints so the window never flashes white. */
export const WINDOW_BACKGROUND = '#111214';

/**
 * The main window: a sandboxed, context-isolated renderer with no Node access, whose only way out is
 * the preload's `window.gradedesk` bridge. Hidden until the first paint (see `showWhenReady`).
 */
export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    title: 'Gradedesk',
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: WINDOW_BACKGROUND,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      preload: preloadPath,
    },
  };
}

/** Shows the window once its page has painted. */
export function showWhenReady(window: { once(event: 'ready-to-show', listener: () => void): unknown; show(): void }): void {
  window.once('ready-to-show', () => window.show());
}
