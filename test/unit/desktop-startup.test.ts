import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { dataDirFlag, desktopDataDir } from '../../src/main/desktop/data-dir';
import { closeBeforeQuit, type QuittingApp } from '../../src/main/desktop/lifecycle';
import { createPickers, type ShowOpenDialog } from '../../src/main/desktop/pickers';

describe('the data folder of the desktop app', () => {
  const userData = '/home/reader/.config/Gradedesk';

  it('is --data DIR, then GRADEDESK_DATA, then Electron’s user-data folder', () => {
    expect(desktopDataDir(['electron', '.', '--data', '/srv/screening'], { GRADEDESK_DATA: '/srv/other' }, userData)).toBe('/srv/screening');
    expect(desktopDataDir(['gradedesk', '--data=/srv/screening'], {}, userData)).toBe('/srv/screening');
    expect(desktopDataDir(['gradedesk'], { GRADEDESK_DATA: '/srv/other' }, userData)).toBe('/srv/other');
    expect(desktopDataDir(['gradedesk'], {}, userData)).toBe(userData);
  });

  it('resolves a relative --data against the working directory', () => {
    expect(desktopDataDir(['gradedesk', '--data', 'data'], {}, userData)).toBe(path.resolve('data'));
  });

  it('reads the flag only when it is given', () => {
    expect(dataDirFlag(['electron', '.', '--database', 'x'])).toBeUndefined();
  });
});

describe('the native pickers', () => {
  const dialog = (answer: { canceled: boolean; filePaths: string[] }) => {
    const asked: Parameters<ShowOpenDialog>[0][] = [];
    const show: ShowOpenDialog = async (options) => {
      asked.push(options);
      return answer;
    };
    return { asked, pickers: createPickers(show) };
  };

  it('picks a folder, or null when cancelled', async () => {
    const chosen = dialog({ canceled: false, filePaths: ['/media/usb/clinic export'] });
    expect(await chosen.pickers.pickFolder('Import into Screening')).toBe('/media/usb/clinic export');
    expect(chosen.asked[0]).toMatchObject({ title: 'Import into Screening', properties: ['openDirectory'] });
    const cancelled = dialog({ canceled: true, filePaths: [] });
    expect(await cancelled.pickers.pickFolder()).toBeNull();
  });

  it('picks a label file, filtered to .csv and .txt', async () => {
    const chosen = dialog({ canceled: false, filePaths: ['/media/usb/trainLabels.csv'] });
    expect(await chosen.pickers.pickLabelFile()).toBe('/media/usb/trainLabels.csv');
    expect(chosen.asked[0]!.properties).toEqual(['openFile']);
    expect(chosen.asked[0]!.filters?.flatMap((filter) => filter.extensions)).toEqual(['csv', 'txt']);
    expect(await dialog({ canceled: true, filePaths: [] }).pickers.pickLabelFile()).toBeNull();
  });
});

describe('quitting', () => {
  function fakeApp() {
    let listener: Parameters<QuittingApp['on']>[1] | undefined;
    const app = {
      quits: 0,
      on: (_event: 'will-quit', handler: Parameters<QuittingApp['on']>[1]) => (listener = handler),
      quit() {
        this.quits++;
      },
    };
    /** Fires will-quit and tells whether the quit was held. */
    const willQuit = () => {
      let held = false;
      listener!({ preventDefault: () => (held = true) });
      return held;
    };
    return { app, willQuit };
  }

  it('holds the quit until the workspace has closed, once', async () => {
    const { app, willQuit } = fakeApp();
    let closes = 0;
    let finish!: () => void;
    closeBeforeQuit(app, () => {
      closes++;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    expect(willQuit()).toBe(true);
    expect(willQuit()).toBe(true);
    expect(app.quits).toBe(0);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closes).toBe(1);
    expect(app.quits).toBe(1);
    expect(willQuit()).toBe(false);
  });

  it('still quits when closing fails', async () => {
    const { app, willQuit } = fakeApp();
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      closeBeforeQuit(app, async () => {
        throw new Error('disk gone');
      });
      willQuit();
      await new Promise((resolve) => setImmediate(resolve));
      expect(app.quits).toBe(1);
      expect(error).toHaveBeenCalledOnce();
    } finally {
      error.mockRestore();
    }
  });
});
