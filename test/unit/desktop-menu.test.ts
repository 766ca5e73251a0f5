import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import type { MenuCommand } from '../../src/shared/api';
import { menuTemplate } from '../../src/main/desktop/menu';

/** Every item of the menu, depth first, with its top-level menu's label. */
function items(template: MenuItemConstructorOptions[], menu = ''): Array<MenuItemConstructorOptions & { menu: string }> {
  return template.flatMap((item) => {
    const submenu = Array.isArray(item.submenu) ? items(item.submenu, menu || item.label || item.role || '') : [];
    return [{ ...item, menu }, ...submenu];
  });
}

function build(platform: NodeJS.Platform, development = false) {
  const sent: MenuCommand[] = [];
  const all = items(menuTemplate((command) => sent.push(command), platform, { development }));
  const byLabel = (label: string) => {
    const item = all.find((candidate) => candidate.label === label);
    if (!item) throw new Error(`no menu item ${label}`);
    return item;
  };
  const click = (label: string) => (byLabel(label).click as () => void)();
  return { sent, all, byLabel, click };
}

describe('the application menu', () => {
  it('has File, Edit, View and Help', () => {
    const template = menuTemplate(() => undefined, 'linux');
    expect(template.map((menu) => menu.label)).toEqual(['&File', '&Edit', '&View', '&Help']);
  });

  it.each([
    ['Import folder…', '&File', 'CmdOrCtrl+I', 'project.import'],
    ['Undo last change', '&Edit', 'Ctrl+Z', 'edit.undo'],
    ['Projects', '&View', 'Ctrl+1', 'view.projects'],
    ['Library', '&View', 'Ctrl+2', 'view.library'],
    ['Review', '&View', 'Ctrl+3', 'view.review'],
    ['Triage', '&View', 'Ctrl+4', 'view.triage'],
    ['Train', '&View', 'Ctrl+5', 'view.train'],
    ['Evaluate', '&View', 'Ctrl+6', 'view.evaluate'],
    ['Agreement', '&View', 'Ctrl+7', 'view.agreement'],
    ['Adjudication', '&View', 'Ctrl+8', 'view.adjudication'],
    ['People', '&View', 'Ctrl+9', 'view.people'],
    ['Keyboard shortcuts', '&Help', '?', 'help.shortcuts'],
  ] as const)('%s (%s, %s) sends %s', (label, menu, accelerator, command) => {
    const { byLabel, click, sent } = build('linux');
    expect(byLabel(label)).toMatchObject({ menu, accelerator });
    click(label);
    expect(sent).toEqual([command]);
  });

  it('shows the keys the page handles itself without registering them, so one press acts once', () => {
    const { byLabel } = build('win32');
    for (const label of ['Undo last change', 'Projects', 'Library', 'Review', 'Triage', 'Train', 'Evaluate', 'Agreement', 'Adjudication', 'People', 'Keyboard shortcuts']) {
      expect(byLabel(label).registerAccelerator, label).toBe(false);
    }
    expect(byLabel('Import folder…').registerAccelerator).toBeUndefined();
  });

  it('on macOS, where menu keys are always registered, leaves those keys to the page', () => {
    const { byLabel, all } = build('darwin');
    for (const label of ['Undo last change', 'Projects', 'Library', 'Review', 'Triage', 'Train', 'Evaluate', 'Agreement', 'Adjudication', 'People', 'Keyboard shortcuts']) {
      expect(byLabel(label).accelerator, label).toBeUndefined();
    }
    expect(byLabel('Import folder…').accelerator).toBe('CmdOrCtrl+I');
    expect(all[0]!.role).toBe('appMenu');
    expect(menuTemplate(() => undefined, 'darwin').slice(1).map((menu) => menu.label)).toEqual(['File', 'Edit', 'View', 'Help']);
  });

  it('sends every menu command there is', () => {
    const { all, sent } = build('linux');
    for (const item of all) if (item.click) (item.click as () => void)();
    expect(new Set(sent)).toEqual(
      new Set<MenuCommand>(['project.import', 'edit.undo', 'view.projects', 'view.library', 'view.review', 'view.triage', 'view.train', 'view.evaluate', 'view.agreement', 'view.adjudication', 'view.people', 'help.shortcuts']),
    );
  });

  it('offers Quit, cut/copy/paste for text fields and full screen', () => {
    const roles = build('linux').all.map((item) => item.role).filter(Boolean);
    expect(roles).toEqual(expect.arrayContaining(['quit', 'cut', 'copy', 'paste', 'togglefullscreen']));
  });

  it('offers reload and the developer tools only in development', () => {
    const roles = (development: boolean) => build('linux', development).all.map((item) => item.role);
    expect(roles(false)).not.toContain('reload');
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });
});
