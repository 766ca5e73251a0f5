import type { OpenDialogOptions, OpenDialogReturnValue } from 'electron';
import type { Platform } from '../api/handlers';

/** `dialog.showOpenDialog`, attached to the focused window where there is one. */
export type ShowOpenDialog = (options: OpenDialogOptions) => Promise<Pick<OpenDialogReturnValue, 'canceled' | 'filePaths'>>;

/** The native pickers behind `dialogs.pickFolder` and `dialogs.pickLabelFile`; null when the user cancels. */
export function createPickers(showOpenDialog: ShowOpenDialog): Required<Pick<Platform, 'pickFolder' | 'pickLabelFile'>> {
  const pick = async (options: OpenDialogOptions) => {
    const { canceled, filePaths } = await showOpenDialog(options);
    return canceled ? null : (filePaths[0] ?? null);
  };
  return {
    pickFolder: (title) => pick({ title: title ?? 'Choose the folder of images to import', properties: ['openDirectory'] }),
    pickLabelFile: () =>
      pick({
        title: 'Choose a label file',
        properties: ['openFile'],
        filters: [{ name: 'Label files (CSV or text)', extensions: ['csv', 'txt'] }],
      }),
  };
}
