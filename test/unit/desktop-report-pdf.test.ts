import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createReportPrinter, PRINT_PARTITION, printWindowOptions, type PrintWindow } from '../../src/main/desktop/report-pdf';

/** Electron's session and window as far as printing uses them, recording what it did. */
function standIns(failLoad = false) {
  let gate: ((details: { url: string }, callback: (response: { cancel: boolean }) => void) => void) | undefined;
  const windows: Array<{ loaded: string | null; destroyed: boolean }> = [];
  const session = { webRequest: { onBeforeRequest: (listener: NonNullable<typeof gate>) => void (gate = listener) } };
  const allowed = (url: string) => {
    let cancel = true;
    gate!({ url }, (response) => (cancel = response.cancel));
    return !cancel;
  };
  const newWindow = (): PrintWindow => {
    const record = { loaded: null as string | null, destroyed: false };
    windows.push(record);
    return {
      loadFile: async (file) => {
        // While the page loads, it may fetch its own file and data: pictures, and nothing else.
        expect([allowed(pathToFileURL(file).href), allowed('data:image/jpeg;base64,AAAA'), allowed('https://example.org/x.png'), allowed('file:///etc/passwd')]).toEqual([true, true, false, false]);
        if (failLoad) throw new Error('ERR_FILE_NOT_FOUND');
        record.loaded = file;
      },
      webContents: { printToPDF: async (options) => Buffer.from(`%PDF-1.4 ${options.pageSize} ${record.loaded}`) },
      destroy: () => void (record.destroyed = true),
    };
  };
  return { session, newWindow, windows, allowed };
}

describe("the desktop app's report printer", () => {
  it('prints the file in a hidden window without script, in its own session, and closes the window', async () => {
    const { session, newWindow, windows, allowed } = standIns();
    const print = createReportPrinter(session, newWindow);
    expect((await print('/tmp/report.html')).toString()).toBe('%PDF-1.4 A4 /tmp/report.html');
    expect(windows).toEqual([{ loaded: '/tmp/report.html', destroyed: true }]);
    // Once printed, not even the report's own file loads in that session.
    expect(allowed(pathToFileURL('/tmp/report.html').href)).toBe(false);
    expect(printWindowOptions()).toEqual({
      show: false,
      webPreferences: { partition: PRINT_PARTITION, javascript: false, sandbox: true, contextIsolation: true, nodeIntegration: false },
    });
  });

  it('closes the window when the file cannot be loaded, and says why', async () => {
    const { session, newWindow, windows } = standIns(true);
    await expect(createReportPrinter(session, newWindow)('/tmp/gone.html')).rejects.toThrow('ERR_FILE_NOT_FOUND');
    expect(windows).toEqual([{ loaded: null, destroyed: true }]);
  });
});
