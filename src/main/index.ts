// Electron entry: the only module that imports electron. Everything else is plain Node, shared with the CLI.
import { app } from 'electron';

app.whenReady().then(() => {
  process.stdout.write('Gradedesk desktop window arrives with the workstation UI.\n');
  app.quit();
});
