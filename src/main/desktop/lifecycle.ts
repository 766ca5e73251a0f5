/** The parts of Electron's app that quitting uses. */
export interface QuittingApp {
  on(event: 'will-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  quit(): void;
}

/**
 * Holds the quit until `close` has finished (the workspace closes its database and stops its import
 * workers), then quits. A failure to close is logged and does not keep the app open.
 */
export function closeBeforeQuit(app: QuittingApp, close: () => Promise<void>): void {
  let closing: Promise<void> | null = null;
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    closing ??= close()
      .catch((error: unknown) => console.error('gradedesk: closing the data folder failed', error))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
}
