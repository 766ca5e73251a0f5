// The evaluation report as a PDF in the desktop app: Electron's printToPDF of the written HTML file, in a
// hidden window of a session of its own, which may load that file and its data: pictures and nothing else.
import { pathToFileURL } from 'node:url';
import type { BrowserWindowConstructorOptions } from 'electron';

export const PRINT_PARTITION = 'gradedesk-report-print';

/** What printing needs of a BrowserWindow. */
export interface PrintWindow {
  loadFile(file: string): Promise<void>;
  webContents: { printToPDF(options: { pageSize: 'A4'; printBackground: boolean }): Promise<Buffer> };
  destroy(): void;
}

/** What printing needs of the print session: a gate on every request. */
export interface PrintSession {
  webRequest: { onBeforeRequest(listener: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void): void };
}

/** Hidden, without script or Node, in the print session. */
export const printWindowOptions = (): BrowserWindowConstructorOptions => ({
  show: false,
  webPreferences: { partition: PRINT_PARTITION, javascript: false, sandbox: true, contextIsolation: true, nodeIntegration: false },
});

/** The PDF bytes of an HTML report file, A4 with its backgrounds; the window is gone afterwards, whatever happens. */
export function createReportPrinter(session: PrintSession, newWindow: () => PrintWindow): (htmlFile: string) => Promise<Buffer> {
  const printing = new Set<string>();
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !(details.url.startsWith('data:') || printing.has(details.url)) }));
  return async (htmlFile) => {
    const url = pathToFileURL(htmlFile).href;
    printing.add(url);
    const window = newWindow();
    try {
      await window.loadFile(htmlFile);
      return await window.webContents.printToPDF({ pageSize: 'A4', printBackground: true });
    } finally {
      printing.delete(url);
      window.destroy();
    }
  };
}
