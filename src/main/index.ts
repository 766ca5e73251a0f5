// Electron entry: the only module that imports electron. It wires Electron's objects into the plain
// modules of ./desktop (covered by test/unit/desktop-*.test.ts); everything else is shared with the CLI.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, type OpenDialogOptions } from 'electron';
import { ApiEvents } from './api/events';
import { watchExternalChanges } from './api/external-changes';
import { createHandlers, forwardAppEvents } from './api/handlers';
import { entryUrl, isAppUrl, type AppLocation } from './desktop/app-location';
import { desktopDataDir } from './desktop/data-dir';
import { hardenContents, hardenSession } from './desktop/hardening';
import { bindIpc } from './desktop/ipc';
import { closeBeforeQuit } from './desktop/lifecycle';
import { handleMediaRequest } from './desktop/media-protocol';
import { menuTemplate } from './desktop/menu';
import { createPickers } from './desktop/pickers';
import { createReportPrinter, PRINT_PARTITION, printWindowOptions } from './desktop/report-pdf';
import { showWhenReady, windowOptions } from './desktop/window-options';
import { Workspace } from './app/workspace';

const here = path.dirname(fileURLToPath(import.meta.url));
const location: AppLocation = {
  rendererDir: path.join(here, '../renderer'),
  devServerUrl: !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : null,
};
const preloadPath = path.join(here, '../preload/index.cjs');

// Must precede `ready`: a standard, secure scheme gets an origin and is allowed by the CSP's img-src.
protocol.registerSchemesAsPrivileged([
  { scheme: 'gradedesk', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false } },
]);

function openWindow(): BrowserWindow {
  const window = new BrowserWindow(windowOptions(preloadPath));
  showWhenReady(window);
  void window.loadURL(entryUrl(location));
  return window;
}

function focus(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

function openWorkspace(): Workspace | null {
  const dataDir = desktopDataDir(process.argv, process.env, app.getPath('userData'));
  try {
    return Workspace.open(dataDir);
  } catch (error) {
    dialog.showErrorBox('Gradedesk cannot open its data folder', `${dataDir}\n\n${(error as Error).message}`);
    return null;
  }
}

function start(workspace: Workspace): void {
  const events = new ApiEvents();
  const showOpenDialog = (options: OpenDialogOptions) => {
    const window = BrowserWindow.getFocusedWindow();
    return window ? dialog.showOpenDialog(window, options) : dialog.showOpenDialog(options);
  };
  const handlers = createHandlers(workspace, {
    mode: 'desktop',
    version: app.getVersion(),
    ...createPickers(showOpenDialog),
    printToPdf: createReportPrinter(session.fromPartition(PRINT_PARTITION), () => new BrowserWindow(printWindowOptions())),
  });
  forwardAppEvents(workspace, events);
  watchExternalChanges(workspace, events);
  const isTrusted = (url: string) => isAppUrl(location, url);

  hardenSession(session.defaultSession, location);
  bindIpc(ipcMain, handlers, events, isTrusted, () => BrowserWindow.getAllWindows().map((window) => window.webContents));
  protocol.handle('gradedesk', (request) => handleMediaRequest(workspace, request));
  const template = menuTemplate((command) => events.emit('menu.command', { command }), process.platform, {
    development: location.devServerUrl !== null,
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  closeBeforeQuit(app, () => workspace.close());
  openWindow();
}

if (!app.requestSingleInstanceLock()) {
  // Another Gradedesk is running on this machine: it comes to the front (see 'second-instance').
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) focus(window);
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, location));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) openWindow();
  });

  void app.whenReady().then(() => {
    const workspace = openWorkspace();
    if (workspace) start(workspace);
    else app.quit();
  });
}
