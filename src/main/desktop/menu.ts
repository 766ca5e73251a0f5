import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/api';

/**
 * The application menu. Its commands reach the renderer as `menu.command` events.
 *
 * Keys the page already handles itself (Ctrl+Z, Ctrl+1 to Ctrl+9, ?; they work the same in browser mode) are
 * shown in the menu but not registered with the system (`registerAccelerator: false`): otherwise the
 * window would act twice on one key press (`?` would open and close the overlay, Ctrl+Z undo two
 * grades), and Ctrl+Z in a note field would undo a grade instead of the typing. macOS always registers
 * menu keys, so there those items carry no accelerator and the page alone handles the key.
 */
export function menuTemplate(
  send: (command: MenuCommand) => void,
  platform: NodeJS.Platform,
  { development = false }: { development?: boolean } = {},
): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const command = (label: string, menuCommand: MenuCommand, keys: Partial<MenuItemConstructorOptions> = {}): MenuItemConstructorOptions => ({
    label,
    ...keys,
    click: () => send(menuCommand),
  });
  const pageKey = (accelerator: string): Partial<MenuItemConstructorOptions> =>
    mac ? {} : { accelerator, registerAccelerator: false };
  const separator: MenuItemConstructorOptions = { type: 'separator' };
  // Alt+letter opens a menu on Windows and Linux; macOS has no mnemonics.
  const title = (label: string) => (mac ? label : `&${label}`);

  return [
    ...(mac ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : []),
    {
      label: title('File'),
      submenu: [
        command('Import folder…', 'project.import', { accelerator: 'CmdOrCtrl+I' }),
        separator,
        mac ? { role: 'close' } : { role: 'quit', label: 'Quit' },
      ],
    },
    {
      label: title('Edit'),
      submenu: [
        command('Undo last change', 'edit.undo', pageKey('Ctrl+Z')),
        separator,
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
      ],
    },
    {
      label: title('View'),
      submenu: [
        command('Projects', 'view.projects', pageKey('Ctrl+1')),
        command('Library', 'view.library', pageKey('Ctrl+2')),
        command('Review', 'view.review', pageKey('Ctrl+3')),
        command('Triage', 'view.triage', pageKey('Ctrl+4')),
        command('Train', 'view.train', pageKey('Ctrl+5')),
        command('Evaluate', 'view.evaluate', pageKey('Ctrl+6')),
        command('Agreement', 'view.agreement', pageKey('Ctrl+7')),
        command('Adjudication', 'view.adjudication', pageKey('Ctrl+8')),
        command('People', 'view.people', pageKey('Ctrl+9')),
        separator,
        { role: 'togglefullscreen' },
        ...(development ? [separator, { role: 'reload' } as const, { role: 'toggleDevTools' } as const] : []),
      ],
    },
    {
      label: title('Help'),
      role: 'help',
      submenu: [command('Keyboard shortcuts', 'help.shortcuts', pageKey('?'))],
    },
  ];
}
